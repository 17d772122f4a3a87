import { channels } from '../alerts/channels/index.ts';
import { classifiers } from '../classifiers/index.ts';
import { collectors, PLATFORM_LIMITS } from '../collectors/index.ts';
import type { ConfigPlugins } from './config/schema.ts';
import type { CreateDepsOptions } from './deps.ts';
import { createHttpClient } from './net/http.ts';

/**
 * The plugins a real service runs with: every registered collector, classifier and alert
 * channel (the config grammar is built from them), and the real HTTP layer.
 */
export function productionPlugins(): ConfigPlugins & Pick<CreateDepsOptions, 'httpFactory'> {
  return {
    collectors,
    classifiers,
    channels,
    httpFactory: (o) =>
      createHttpClient({
        clock: o.clock,
        log: o.log.child({ component: 'http', scope: o.scope }),
        allowPrivate: o.allowPrivate,
        allowPrivateNetwork: o.allowPrivateNetwork,
        userAgent: o.userAgent,
        proxy: o.proxy,
        hostLimits: PLATFORM_LIMITS,
        defaultLimit: o.rateLimit,
      }),
  };
}
