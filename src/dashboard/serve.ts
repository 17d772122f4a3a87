import { readFileSync } from 'node:fs';
import { router } from '../api/types.ts';

/**
 * No inline script or style anywhere: every script is a same-origin file, untrusted text is
 * set with textContent, and this policy makes an injected `<script>` or `onerror=` inert.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/charts.js': { file: 'charts.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

/** The dashboard's static files (no build step), read once, served with a strict CSP. */
export function dashboardRoutes() {
  const app = router();
  const cache = new Map<string, string>();
  for (const [path, f] of Object.entries(FILES)) {
    app.get(path, (c) => {
      let body = cache.get(f.file);
      if (body === undefined) {
        body = readFileSync(new URL(f.file, import.meta.url), 'utf8');
        cache.set(f.file, body);
      }
      c.header('content-security-policy', DASHBOARD_CSP);
      c.header('referrer-policy', 'no-referrer');
      c.header('x-frame-options', 'DENY');
      c.header('cache-control', 'no-cache');
      return c.body(body, 200, { 'content-type': f.type });
    });
  }
  return app;
}
