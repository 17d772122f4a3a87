import {
  type AlertsConfig,
  type BrandAlerts,
  brandAlertsSchema,
  type RuleParams,
  ruleSchemas,
} from './schema.ts';

// The rule ids are part of the grammar (`alerts/schema.ts`); the API's incident filter reads them here.
export { RULE_IDS } from './schema.ts';

/** Rule parameters for a brand: defaults, then `alerts.rules`, then the brand's own. */
export function rulesFor(global: AlertsConfig, brand: BrandAlerts | undefined): RuleParams {
  const out = {} as Record<string, unknown>;
  for (const [id, schema] of Object.entries(ruleSchemas)) {
    const g = (global.rules as Record<string, object | undefined>)[id] ?? {};
    const b = (brand?.rules as Record<string, object | undefined> | undefined)?.[id] ?? {};
    out[id] = schema.parse({ ...g, ...b });
  }
  return out as RuleParams;
}

/** The brand's stored `settings.alerts`, parsed leniently (a bad API-written value means defaults). */
export function brandAlertsOf(settings: { alerts?: unknown } | null | undefined): BrandAlerts | undefined {
  if (!settings?.alerts) return undefined;
  const r = brandAlertsSchema.safeParse(settings.alerts);
  return r.success ? r.data : undefined;
}
