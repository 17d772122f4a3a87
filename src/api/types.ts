import { OpenAPIHono } from '@hono/zod-openapi';
import type { Deps } from '../deps.ts';
import type { Logger } from '../log.ts';
import type { Principal } from './auth.ts';
import { validationHook } from './errors.ts';

export interface ApiEnv {
  Variables: { requestId: string; principal: Principal; log: Logger };
}

/** A router with the shared validation hook, so every 400 has the same envelope. */
export function router() {
  return new OpenAPIHono<ApiEnv>({ defaultHook: validationHook as never });
}

export type RouteFactory = (deps: Deps) => OpenAPIHono<ApiEnv>;

/** Audit actor for the current request. */
export function actorOf(c: { get(k: 'principal'): Principal | undefined }): string {
  const p = c.get('principal');
  return p ? `key:${p.keyId}` : 'anonymous';
}
