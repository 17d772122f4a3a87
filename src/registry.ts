import { classifiers } from '../classifiers/index.ts';
import { collectors, PLATFORM_LIMITS } from '../collectors/index.ts';
import type { CreateDepsOptions } from './deps.ts';
import { createHttpClient } from './net/http.ts';

/** The plugins a real service runs with: every registered collector and classifier, the real HTTP layer. */
export function productionPlugins(): Pick<CreateDepsOptions, 'collectors' | 'classifiers' | 'httpFactory'> {
  return {
    collectors,
    classifiers,
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
