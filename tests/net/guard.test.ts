import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuardedDispatcher, guardUrl, isAddressAllowed, resolveGuarded } from '../../src/net/guard.ts';

describe('isAddressAllowed', () => {
  it('refuses IPv6 forms of private IPv4 addresses (issue 10 item 12)', () => {
    for (const ip of [
      '::127.0.0.1', // IPv4-compatible, as written in the issue…
      '::7f00:1', // …and as the URL parser normalises http://[::127.0.0.1]/
      '::a00:1', // ::10.0.0.1
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe', // 169.254.169.254, the cloud metadata address
      '::ffff:0:7f00:1', // SIIT
      '64:ff9b::7f00:1', // NAT64 of 127.0.0.1
      '64:ff9b::a9fe:a9fe',
      '64:ff9b:1::808:808', // local-use NAT64: embedding unknown, never trusted
      '2002:7f00:1::', // 6to4 of 127.0.0.1
      '2002:808:808::1', // 6to4 of a public address: relayed, still refused
      '2001:0:4136:e378:8000:63bf:3fff:fdd2', // Teredo
      'fe80::1%eth0', // zone id
      'fe80::1%25eth0',
      '[::1]',
      '::',
      '0.0.0.0',
      '0.1.2.3',
      '255.255.255.255',
      '100.64.0.1',
      '198.18.0.1',
      '240.0.0.1',
      'not an address',
      '',
    ]) {
      expect(isAddressAllowed(ip), ip).toBe(false);
    }
  });

  it('decimal, octal and hex IPv4 spellings are refused as what they mean', () => {
    for (const ip of ['2130706433', '0177.0.0.1', '0x7f.0.0.1', '0x7f000001', '127.1']) {
      expect(isAddressAllowed(ip), ip).toBe(false);
    }
    // The URL parser turns them into the dotted form the guard then sees.
    for (const u of ['http://2130706433/', 'http://0177.0.0.1/', 'http://0x7f.1/', 'http://127.1/']) {
      expect(() => guardUrl(new URL(u)), u).toThrow(/refusing to connect/);
    }
    expect(() => guardUrl(new URL('http://[::127.0.0.1]/'))).toThrow(/refusing to connect/);
    expect(() => guardUrl(new URL('http://[64:ff9b::7f00:1]/'))).toThrow(/refusing to connect/);
  });

  it('public addresses stay reachable, also through IPv4-mapped and NAT64 forms', () => {
    for (const ip of ['93.184.216.34', '2606:2800:220:1::1', '::ffff:93.184.216.34', '64:ff9b::5db8:d822']) {
      expect(isAddressAllowed(ip), ip).toBe(true);
    }
  });

  it('an allowed range covers its IPv6 forms; nothing else', () => {
    expect(isAddressAllowed('::ffff:10.0.0.5', ['10.0.0.0/8'])).toBe(true);
    expect(isAddressAllowed('64:ff9b::a00:5', ['10.0.0.0/8'])).toBe(true);
    expect(isAddressAllowed('::7f00:1', ['10.0.0.0/8'])).toBe(false);
  });
});

describe('the dispatcher checks the address it connects to', () => {
  let server: Server;
  let port: number;
  const hits: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '::', () => resolve()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses literal loopback in every spelling and loopback by name, without sending the request', async () => {
    const dispatcher = createGuardedDispatcher();
    for (const host of ['127.0.0.1', '[::1]', '[::ffff:127.0.0.1]', '[::127.0.0.1]', 'localhost', '0x7f.1']) {
      const err = await request(`http://${host}:${port}/secret`, { dispatcher }).catch((e) => e);
      expect(String(err?.cause?.message ?? err?.message), host).toMatch(/refusing to connect/);
    }
    expect(hits).toEqual([]);
  });

  it('connects when the range is allowed, and resolveGuarded refuses names of private addresses', async () => {
    const dispatcher = createGuardedDispatcher({ allowCidrs: ['127.0.0.0/8'] });
    const r = await request(`http://127.0.0.1:${port}/fine`, { dispatcher });
    expect(await r.body.text()).toBe('ok');
    await expect(resolveGuarded('localhost')).rejects.toThrow(/refusing to connect/);
    await expect(resolveGuarded('[::ffff:127.0.0.1]')).rejects.toThrow(/refusing to connect/);
  });
});
