import type { z } from 'zod';
import type { Clock } from '../src/clock.ts';
import type { Logger } from '../src/log.ts';
import type { HttpClient } from '../src/net/types.ts';

export type { HttpClient, HttpRequestOptions, HttpResponse } from '../src/net/types.ts';

/** 1 is the most severe. Chinese public-alert colours: 红 / 橙 / 黄 / 蓝. */
export type AlertLevel = 1 | 2 | 3 | 4;
export type AlertLevelName = 'critical' | 'high' | 'medium' | 'low';

export interface AlertLevelInfo {
  level: AlertLevel;
  name: AlertLevelName;
  /** English label, e.g. `Critical`. */
  en: string;
  /** Colour character, e.g. `红`. */
  zhColor: string;
  /** Chinese label, e.g. `红色预警`. */
  zh: string;
  emoji: string;
  /** Hex colour for cards and email. */
  hex: string;
}

export const ALERT_LEVELS: Readonly<Record<AlertLevel, AlertLevelInfo>> = Object.freeze({
  1: {
    level: 1,
    name: 'critical',
    en: 'Critical',
    zhColor: '红',
    zh: '红色预警',
    emoji: '🔴',
    hex: '#d93025',
  },
  2: { level: 2, name: 'high', en: 'High', zhColor: '橙', zh: '橙色预警', emoji: '🟠', hex: '#ef6c00' },
  3: { level: 3, name: 'medium', en: 'Medium', zhColor: '黄', zh: '黄色预警', emoji: '🟡', hex: '#f9a825' },
  4: { level: 4, name: 'low', en: 'Low', zhColor: '蓝', zh: '蓝色预警', emoji: '🔵', hex: '#1e88e5' },
});

export function levelInfo(level: AlertLevel): AlertLevelInfo {
  return ALERT_LEVELS[level];
}

export type AlertKind =
  | 'alert'
  | 'escalation'
  | 'level-up'
  | 'reminder'
  | 'resolved'
  | 'digest'
  | 'collector-down'
  | 'test';
export type AlertLocale = 'en' | 'zh' | 'bilingual';
export type IncidentStatus = 'open' | 'acknowledged' | 'resolved';

/** Why the incident has its level; rendered as a bullet list. */
export interface AlertFactor {
  name: string;
  value: number | string;
  weight?: number;
  explanation: string;
}

/** A stored mention quoted in an alert. `text`, `authorHandle` and `authorName` are untrusted. */
export interface AlertMention {
  url: string;
  authorHandle: string;
  authorName?: string;
  text: string;
  platform: string;
  /** ISO 8601. */
  publishedAt: string;
  sentiment?: 'negative' | 'neutral' | 'positive' | 'mixed';
  reach?: number;
}

export interface AlertCounts {
  mentions: number;
  negative?: number;
  authors?: number;
  reach?: number;
}

export interface AlertIncident {
  id: string;
  brandName: string;
  /** Rule name that opened the incident, e.g. `negative-spike`. */
  rule: string;
  level: AlertLevel;
  /** Short human title, e.g. `negative spike`. */
  title: string;
  status: IncidentStatus;
  /** ISO 8601. */
  openedAt: string;
  factors: AlertFactor[];
  /** Top mentions, most important first. */
  mentions: AlertMention[];
  counts: AlertCounts;
  dashboardUrl?: string;
  /** Signed one-click acknowledge link. */
  ackUrl?: string;
}

export interface DigestIncident {
  id: string;
  title: string;
  level: AlertLevel;
  status: IncidentStatus;
  openedAt: string;
  dashboardUrl?: string;
}

export interface AlertDigest {
  /** ISO 8601 bounds; `label` like `daily` / `weekly`. */
  period: { from: string; to: string; label?: string };
  brandName: string;
  totals: { mentions: number; negative: number; neutral?: number; positive?: number; incidents: number };
  topIncidents: DigestIncident[];
  topMentions: AlertMention[];
  dashboardUrl?: string;
}

/** For `collector-down`: a source that stopped producing. */
export interface AlertCollector {
  sourceName: string;
  sourceType: string;
  /** A `SourceFaultKind`, e.g. `rate-limited`. */
  fault: string;
  since: string;
  lastError?: string;
  dashboardUrl?: string;
}

/**
 * What the dispatcher hands a channel. Serialisable as JSON (the outbox stores it; the
 * webhook channel posts it as is), so times are ISO strings.
 */
export interface AlertMessage {
  kind: AlertKind;
  /** Idempotency key: the same logical delivery always carries the same id. */
  id: string;
  incident?: AlertIncident;
  digest?: AlertDigest;
  collector?: AlertCollector;
  locale: AlertLocale;
  /** ISO 8601. */
  createdAt: string;
}

/**
 * The outcome of one delivery attempt. A channel never throws for a delivery failure.
 * `retry` is false for a 4xx other than 408/429 (fix the config, do not hammer), true for
 * 408, 429, 5xx, timeouts and resets; `retryAfterMs` carries the provider's Retry-After.
 * `skipped` marks a message the channel deliberately does not carry (e.g. a digest to PagerDuty).
 */
export type DeliveryResult =
  | { ok: true; providerId?: string; skipped?: string }
  | { ok: false; retry: boolean; retryAfterMs?: number; status?: number; error: string };

export interface ChannelContext {
  /** Injected by the core: retries, SSRF guard and body caps live there. */
  http: HttpClient;
  clock: Clock;
  log: Logger;
  signal?: AbortSignal;
  /** Secrets named in `secrets`, resolved from the channel's config; never log them. */
  secrets: Readonly<Record<string, string>>;
  /**
   * For channels that open their own sockets (SMTP): the checked address of a configured host
   * under the same SSRF guard as `http` (private addresses only when the channel or
   * `network.allowPrivate` allows them). Throws a BLOCKED_ADDRESS error otherwise.
   */
  resolveHost(host: string): Promise<string>;
}

export interface ChannelLimits {
  /** Provider rate limit per destination; past it the dispatcher merges into a digest. */
  perMinute?: number;
  perSecond?: number;
  /** Largest message the provider accepts; the channel truncates its rendering to fit. */
  maxBytes: number;
}

export interface ChannelDefinition<Options extends z.ZodType = z.ZodType> {
  /** Equal to the file name, e.g. `pagerduty`. */
  id: string;
  description: string;
  /** zod schema of `options` in the channel's config entry. */
  options: Options;
  /** Names of secrets the channel takes, e.g. `['secret']`; values arrive in `ctx.secrets`. */
  secrets?: readonly string[];
  limits: ChannelLimits;
  send(ctx: ChannelContext, options: z.output<Options>, message: AlertMessage): Promise<DeliveryResult>;
}

/**
 * Define a channel. One file per channel in `alerts/channels/`, one entry in
 * `alerts/channels/index.ts`.
 *
 * @example
 * export const webhook = defineChannel({
 *   id: 'webhook', description: 'Signed JSON POST',
 *   options: z.object({ url: z.url() }), secrets: ['secret'],
 *   limits: { maxBytes: 256 * 1024 },
 *   async send(ctx, opts, message) { return postJson(ctx, opts.url, message); },
 * });
 */
export function defineChannel<Options extends z.ZodType>(
  def: ChannelDefinition<Options>,
): ChannelDefinition<Options> {
  return def;
}
