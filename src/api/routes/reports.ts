import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../deps.ts';
import { buildKolReport, kolReportCsv, kolReportHtml } from '../../profiles/report.ts';
import { errorSchema } from '../errors.ts';
import { router } from '../types.ts';
import { resolveWindow } from './analytics.ts';

const err = (d: string) => ({ content: { 'application/json': { schema: errorSchema } }, description: d });

export function reportRoutes(deps: Deps) {
  const app = router();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/reports/kol',
      tags: ['reports'],
      summary: 'KOL report: top, new, rising and detractor KOLs, UGC, competitor comparison',
      description:
        'JSON by default; `format=csv` (KOL rows by section) or `format=html` (a self-contained printable page with inline SVG charts, bilingual labels for brands with locale zh or bilingual). The `methodology` field explains every number.',
      request: {
        query: z.object({
          brand: z.string().min(1),
          from: z.iso
            .datetime({ offset: true })
            .optional()
            .openapi({ description: 'Default: 30 days before `to`' }),
          to: z.iso.datetime({ offset: true }).optional(),
          format: z.enum(['json', 'csv', 'html']).default('json'),
          limit: z.coerce.number().int().min(1).max(200).default(20),
        }),
      },
      responses: {
        200: {
          content: {
            'application/json': { schema: z.record(z.string(), z.unknown()) },
            'text/csv': { schema: z.string() },
            'text/html': { schema: z.string() },
          },
          description: 'The report',
        },
        400: err('Invalid parameter'),
        404: err('Brand not found'),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const to = q.to ?? deps.clock.now().toISOString();
      const from = q.from ?? new Date(Date.parse(to) - 30 * 86_400_000).toISOString();
      const w = await resolveWindow(deps, { brand: q.brand, from, to }, 366);
      const r = await buildKolReport(deps.db, deps.config.config.profiles, w.brand, {
        from: w.from,
        to: w.to,
        limit: q.limit,
      });
      if (q.format === 'csv')
        return c.body(kolReportCsv(r), 200, {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': 'attachment; filename="kol-report.csv"',
        }) as never;
      if (q.format === 'html') {
        // The page has no script; its only style is the embedded sheet.
        c.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
        return c.body(kolReportHtml(r), 200, { 'content-type': 'text/html; charset=utf-8' }) as never;
      }
      return c.json(r as unknown as Record<string, unknown>, 200);
    },
  );

  return app;
}
