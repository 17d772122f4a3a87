import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { channelById, channels } from '../../../alerts/channels/index.ts';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../alerts/channels');

describe('channel registry', () => {
  it('registers every channel file, with id equal to the file name', () => {
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(channels.map((c) => c.id).sort()).toEqual(files);
  });

  it('has unique ids, found by channelById', () => {
    expect(new Set(channels.map((c) => c.id)).size).toBe(channels.length);
    for (const c of channels) expect(channelById(c.id)).toBe(c);
    expect(channelById('nope')).toBeUndefined();
  });

  it('declares a description and limits', () => {
    for (const c of channels) {
      expect(c.description.length).toBeGreaterThan(10);
      expect(c.limits.maxBytes).toBeGreaterThan(1000);
    }
    expect(channelById('dingtalk')?.limits.perMinute).toBe(20);
    expect(channelById('wecom')?.limits.perMinute).toBe(20);
    expect(channelById('feishu')?.limits).toMatchObject({ perMinute: 100, perSecond: 5 });
    expect(channelById('slack')?.limits.perSecond).toBe(1);
  });
});
