import { desc, eq, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.ts';
import { claimMarks, deleteMarks, markedBrands, markFailed } from '../db/repo/alert-marks.ts';
import { brands, incidents, sourceHealth, sources } from '../db/schema/index.ts';
import type { Clock } from '../src/clock.ts';
import { isBlockingFault } from '../src/errors.ts';
import type { EventBus, EventMap } from '../src/events.ts';
import type { Logger } from '../src/log.ts';
import type { HostLimit, HttpClient } from '../src/net/types.ts';
import type { Scheduler } from '../src/scheduler.ts';
import { stateOf } from '../src/source-state.ts';
import {
  type Candidate,
  detectCrisis,
  detectInfluential,
  detectNegativeSpike,
  detectSentimentDrop,
  detectViral,
  saveSpikeState,
  spikeStateKey,
} from './detect.ts';
import { runDigests } from './digest.ts';
import { createDispatcher, type Dispatcher } from './dispatcher.ts';
import { type Grade, grade, gradingFor } from './grade.ts';
import { applyCandidate, type ChangeNote, processDue, resolveCollector } from './incidents.ts';
import type { AlertContext } from './outbox.ts';
import { brandAlertsOf, rulesFor } from './rules.ts';
import type { AlertsConfig, BrandAlerts, RuleParams } from './schema.ts';

/**
 * What the alert engine needs from the service, and no more: the database, clock and logger,
 * the events it listens to and emits, the scheduler for digests, an HTTP client per channel,
 * the ack-link key, and four settings (`alerts`, `network.allowPrivate`, the server address for
 * links). The service's `Deps` satisfies it as it is; a test may pass a smaller object.
 */
export interface AlertDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  events: Pick<EventBus, 'on' | 'emit'>;
  scheduler: Pick<Scheduler, 'add'>;
  /** A 32-byte key for one purpose (`ack-links`). */
  signingKey(purpose: string): Buffer;
  /** The guarded HTTP client of one scope (a channel: `channel:<name>`). */
  httpFor(opts: { scope: string; allowPrivateNetwork?: boolean; rateLimit?: HostLimit }): HttpClient;
  config: {
    config: {
      alerts: AlertsConfig;
      network: { allowPrivate: readonly string[] };
      server: { host: string; port: number; publicUrl?: string };
    };
    env: { port?: number };
  };
}

/** The alerting context of a service: config, clock, database, link base and ack-link key. */
export function alertContext(deps: AlertDeps, publicUrl?: string): AlertContext {
  const server = deps.config.config.server;
  const base =
    publicUrl ??
    server.publicUrl ??
    `http://${server.host.includes(':') ? `[${server.host}]` : server.host}:${deps.config.env.port ?? server.port}`;
  return {
    db: deps.db,
    clock: deps.clock,
    log: deps.log.child({ component: 'alerts' }),
    cfg: deps.config.config.alerts,
    publicUrl: base.replace(/\/+$/, ''),
    ackKey: deps.signingKey('ack-links'),
  };
}

export interface EngineOptions {
  publicUrl?: string;
  /** Background timer interval (escalations, reminders, silent sources). */
  tickMs?: number;
  /** How often sentiment drop and silent sources are evaluated per brand/source. */
  slowEveryMs?: number;
}

interface BrandInfo {
  id: string;
  name: string;
  alerts: BrandAlerts | undefined;
  rules: RuleParams;
  grading: ReturnType<typeof gradingFor>;
}

/**
 * The alert engine: evaluates rules over committed batches and on source faults, turns
 * candidates into graded incidents (with their outbox rows), and runs the persisted timers.
 * Per-batch evaluation is driven by the durable marks each batch commits (`alert_marks`): a
 * committed batch is woken up at once, runs serially in the background so ingestion never
 * waits for it, and is picked up on start or on the next tick when a process died before
 * evaluating it. `idle()` resolves when the queue is empty (tests, shutdown).
 *
 * @example
 * const engine = createAlertEngine(deps); engine.start(); ... await engine.stop();
 */
export function createAlertEngine(deps: AlertDeps, opts: EngineOptions = {}) {
  const ctx = alertContext(deps, opts.publicUrl);
  const log = ctx.log;
  const dispatcher: Dispatcher = createDispatcher(ctx, {
    // The dispatcher enforces each channel's provider limit (merging into digests past it); the
    // client's own per-host limit (60/min by default, meant for scraping) would only add latency.
    httpFor: (ch) =>
      deps.httpFor({
        scope: `channel:${ch.name}`,
        allowPrivateNetwork: ch.allowPrivateNetwork,
        rateLimit: { perMinute: 6000, concurrency: 4 },
      }),
    guardFor: (ch) => ({
      allowPrivateNetwork: ch.allowPrivateNetwork,
      allowCidrs: deps.config.config.network.allowPrivate,
    }),
  });
  const slowEvery = opts.slowEveryMs ?? 15 * 60_000;
  const lastSlow = new Map<string, number>();
  let queue: Promise<unknown> = Promise.resolve();
  const offs: (() => void)[] = [];
  let timer: NodeJS.Timeout | null = null;
  let ticking: Promise<unknown> | null = null;
  let stopped = false;

  async function loadBrands(ids?: Set<string>): Promise<BrandInfo[]> {
    const rows = await ctx.db
      .select({ id: brands.id, name: brands.name, settings: brands.settings })
      .from(brands);
    return rows
      .filter((b) => !ids || ids.has(b.id))
      .map((b) => {
        const alerts = brandAlertsOf(b.settings);
        return {
          id: b.id,
          name: b.name,
          alerts,
          rules: rulesFor(ctx.cfg, alerts),
          grading: gradingFor(ctx.cfg.grading, alerts?.grading),
        };
      })
      .filter((b) => b.alerts?.enabled !== false);
  }

  function emit(notes: ChangeNote[]) {
    const at = ctx.clock.now();
    for (const n of notes)
      deps.events.emit('incident', {
        id: n.id,
        brandId: n.brandId ?? '',
        status: n.status,
        level: n.level,
        change: n.change,
        at,
      });
    if (notes.length) dispatcher.wake();
  }

  async function apply(cands: Candidate[], byId: Map<string, BrandInfo>): Promise<ChangeNote[]> {
    const notes: ChangeNote[] = [];
    for (const c of cands) {
      try {
        const b = c.brandId ? byId.get(c.brandId) : undefined;
        const g: Grade = c.level
          ? { level: c.level, score: 0, factors: [] }
          : grade(c.input, b?.grading ?? gradingFor(ctx.cfg.grading, undefined));
        const note = await applyCandidate(ctx, c, g);
        if (note) notes.push(note);
      } catch (err) {
        log.error({ err, rule: c.rule, groupKey: c.groupKey }, 'applying an alert failed');
      }
    }
    emit(notes);
    return notes;
  }

  /**
   * Whether an in-episode spike may be applied: the group has an unresolved incident still inside
   * the group window (it joins it), or no incident activity for `quietMs` (nobody was paged for
   * this episode). The latest incident row stays locked until the transaction ends.
   */
  async function episodeMayAlert(tx: DbOrTx, groupKey: string, quietMs: number, now: Date) {
    const [latest] = await tx
      .select({ status: incidents.status, lastActivityAt: incidents.lastActivityAt })
      .from(incidents)
      .where(eq(incidents.groupKey, groupKey))
      .orderBy(desc(incidents.openedAt))
      .limit(1)
      .for('update');
    if (!latest) return true;
    const last = latest.lastActivityAt.getTime();
    if (latest.status !== 'resolved' && last >= now.getTime() - ctx.cfg.groupWindow) return true;
    return last < now.getTime() - quietMs;
  }

  /**
   * The negative-spike rule for one brand inside `tx`: the brand's detector state is locked
   * (across processes), fed, and saved together with the incidents and outbox rows its signals
   * cause, so a crash or restart neither loses nor repeats a signal.
   */
  async function spikeIn(tx: DbOrTx, b: BrandInfo, now: Date): Promise<ChangeNote[]> {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${spikeStateKey(b.id)}))`);
    const r = await detectNegativeSpike(tx, b.id, b.rules['negative-spike'], now);
    // applyCandidate runs its own transaction; on a transaction that is a savepoint, so the
    // incident change commits (or not) together with the detector state below.
    const txCtx: AlertContext = { ...ctx, db: tx as unknown as Db };
    const out: ChangeNote[] = [];
    for (const c of r.candidates) {
      if (c.inEpisode && !(await episodeMayAlert(tx, c.groupKey, c.inEpisode.quietMs, now))) continue;
      const note = await applyCandidate(txCtx, c, grade(c.input, b.grading));
      if (note) out.push(note);
    }
    if (r.state) await saveSpikeState(tx, b.id, r.state, now);
    return out;
  }

  /** The negative-spike rule for one brand in its own transaction (slow rules). Never throws. */
  async function spikeRule(b: BrandInfo, now: Date): Promise<ChangeNote[]> {
    try {
      const notes = await ctx.db.transaction((tx) => spikeIn(tx, b, now));
      emit(notes);
      return notes;
    } catch (err) {
      log.error({ err, brandId: b.id }, 'negative-spike evaluation failed');
      return [];
    }
  }

  /** Marks claimed per transaction: bounds the transaction when a backlog waits. */
  const MARKS_PER_PASS = 200;
  /** After this many failed passes, candidates are applied one by one so one bad one cannot block a brand. */
  const ISOLATE_AFTER = 3;

  /**
   * Evaluate one brand's waiting marks: in one transaction the brand is locked for evaluation
   * (a try-lock: a brand another process is evaluating is skipped, not waited for), its marks
   * are claimed (`FOR UPDATE SKIP LOCKED`), the per-batch rules run over their mentions
   * (negative spike, crisis language, influential negative, viral negative), the incidents and
   * outbox rows are written, and the marks are deleted. A crash before the commit leaves the
   * marks for the next pass: every committed batch is evaluated once.
   */
  async function evaluateBrand(brandId: string, b: BrandInfo | undefined, now: Date): Promise<ChangeNote[]> {
    const notes: ChangeNote[] = [];
    for (;;) {
      let claimed: string[] = [];
      try {
        const r = await ctx.db.transaction(async (tx) => {
          const [lock] = await tx
            .select({ ok: sql<boolean>`pg_try_advisory_xact_lock(hashtext(${`alert-eval:${brandId}`}))` })
            .from(sql`(select 1) as t`);
          if (!lock?.ok) return null;
          const marks = await claimMarks(tx, brandId, MARKS_PER_PASS);
          claimed = marks.map((m) => m.id);
          if (marks.length === 0) return { notes: [], n: 0 };
          const out: ChangeNote[] = [];
          // Alerts switched off (globally or for the brand): nothing to evaluate, the marks go.
          if (ctx.cfg.enabled && b) {
            const isolate = marks.some((m) => m.attempts >= ISOLATE_AFTER);
            const txCtx: AlertContext = { ...ctx, db: tx as unknown as Db };
            const mentionIds = [...new Set(marks.flatMap((m) => m.mentionIds))];
            const updatedIds = [...new Set(marks.flatMap((m) => m.updatedIds))];
            const only =
              <K extends keyof RuleParams>(k: K) =>
              (id: string) =>
                id === brandId ? b.rules[k] : null;
            const cands: Candidate[] = [];
            if (mentionIds.length) {
              out.push(...(await spikeIn(tx, b, now)));
              const crisis = await detectCrisis(tx, brandId, b.rules['crisis-language'], now);
              if (crisis) cands.push(crisis);
              cands.push(...(await detectInfluential(tx, mentionIds, only('influential-negative'))));
            }
            if (updatedIds.length)
              cands.push(...(await detectViral(tx, updatedIds, only('viral-negative'), now)));
            for (const c of cands) {
              const g: Grade = c.level
                ? { level: c.level, score: 0, factors: [] }
                : grade(c.input, b.grading);
              if (!isolate) {
                const note = await applyCandidate(txCtx, c, g);
                if (note) out.push(note);
                continue;
              }
              try {
                const note = await applyCandidate(txCtx, c, g);
                if (note) out.push(note);
              } catch (err) {
                log.error({ err, rule: c.rule, groupKey: c.groupKey }, 'applying an alert failed; skipped');
              }
            }
          }
          await deleteMarks(tx, claimed);
          return { notes: out, n: marks.length };
        });
        if (!r) return notes; // another process is evaluating this brand
        emit(r.notes);
        notes.push(...r.notes);
        if (r.n < MARKS_PER_PASS) return notes;
      } catch (err) {
        log.error({ err, brandId }, 'alert evaluation failed; its marks stay and are retried');
        await markFailed(ctx.db, claimed, err instanceof Error ? err.message : String(err)).catch(() => {});
        return notes;
      }
    }
  }

  /**
   * Evaluate every committed batch not evaluated yet, brand by brand (oldest waiting first).
   * Driven by the marks the pipeline commits with each batch, so it finishes what a crash or a
   * stopped engine left. Never throws.
   */
  async function drain(): Promise<ChangeNote[]> {
    try {
      const ids = await markedBrands(ctx.db);
      if (ids.length === 0) return [];
      const all = await loadBrands();
      const byId = new Map(all.map((b) => [b.id, b]));
      const now = ctx.clock.now();
      const notes: ChangeNote[] = [];
      for (const id of ids) notes.push(...(await evaluateBrand(id, byId.get(id), now)));
      return notes;
    } catch (err) {
      log.error({ err }, 'alert evaluation failed');
      return [];
    }
  }

  /** Evaluate what committed batches left to evaluate (the batch itself is only a wake-up). */
  async function evaluate(_batch?: EventMap['mentions'][0]): Promise<ChangeNote[]> {
    return drain();
  }

  function collectorCandidate(e: {
    sourceId: string;
    sourceName: string;
    kind: string;
    message: string;
    consecutiveFailures: number;
  }): Candidate {
    const blocking = isBlockingFault(e.kind);
    return {
      brandId: null,
      sourceId: e.sourceId,
      rule: 'collector-down',
      groupKey: `source:${e.sourceId}:collector-down`,
      title: `Collector down: ${e.sourceName}`,
      input: { negative: 0 },
      mentionIds: [],
      counts: { mentions: 0, consecutiveFailures: e.consecutiveFailures },
      level: blocking ? 2 : 3,
      extraFactors: [
        {
          name: 'fault',
          value: e.kind,
          weight: 0,
          explanation: blocking
            ? `${e.kind}: a person must act (new cookie, key or quota)`
            : `${e.kind}: ${e.message.slice(0, 200)}`,
        },
        {
          name: 'consecutive-failures',
          value: e.consecutiveFailures,
          weight: 0,
          explanation: `${e.consecutiveFailures} failed runs in a row`,
        },
      ],
    };
  }

  async function onSourceFault(e: EventMap['source-fault'][0]): Promise<ChangeNote[]> {
    const cd = ctx.cfg.collectorDown;
    if (!ctx.cfg.enabled || !cd.enabled) return [];
    if (e.consecutiveFailures < cd.afterFailures && !isBlockingFault(e.kind)) return [];
    const c = collectorCandidate(e);
    const note = await applyCandidate(ctx, c, { level: c.level!, score: 0, factors: [] });
    emit(note ? [note] : []);
    return note ? [note] : [];
  }

  async function onSourceOk(e: EventMap['source-ok'][0]): Promise<ChangeNote[]> {
    const notes = await resolveCollector(ctx, e.sourceId);
    emit(notes);
    return notes;
  }

  /**
   * Slow rules, at most every `slowEveryMs`: the spike detector of every brand (so hours that
   * settle while no batch arrives, quiet ones included, are still fed in order), sentiment drop
   * per brand, and silent sources.
   */
  async function slowRules(now: Date): Promise<ChangeNote[]> {
    const due = (key: string) => {
      const last = lastSlow.get(key);
      if (last !== undefined && now.getTime() - last < slowEvery) return false;
      lastSlow.set(key, now.getTime());
      return true;
    };
    const all = await loadBrands();
    const byId = new Map(all.map((b) => [b.id, b]));
    const spikes: ChangeNote[] = [];
    for (const b of all) if (due(`spike:${b.id}`)) spikes.push(...(await spikeRule(b, now)));
    const cands: Candidate[] = [];
    for (const b of all) {
      if (!due(`drop:${b.id}`)) continue;
      const c = await detectSentimentDrop(ctx.db, b.id, b.rules['sentiment-drop'], now);
      if (c) cands.push(c);
    }
    const notes = [...spikes, ...(await apply(cands, byId))];
    if (ctx.cfg.collectorDown.enabled && due('silent')) {
      const rows = await ctx.db
        .select({ s: sources, h: sourceHealth })
        .from(sources)
        .innerJoin(sourceHealth, eq(sourceHealth.sourceId, sources.id))
        .where(eq(sources.enabled, true));
      for (const { s, h } of rows) {
        if (stateOf(h, now) !== 'silent') continue;
        const c = collectorCandidate({
          sourceId: s.id,
          sourceName: s.name,
          kind: 'silent',
          message: `nothing new since ${h.lastNewAt?.toISOString()}`,
          consecutiveFailures: 0,
        });
        c.level = 3;
        const note = await applyCandidate(ctx, c, { level: 3, score: 0, factors: [] });
        if (note) notes.push(note);
      }
    }
    return notes;
  }

  /** Timers: escalations, reminders, auto-resolve, slow rules. Never throws. */
  async function tick(now: Date = ctx.clock.now()): Promise<ChangeNote[]> {
    if (!ctx.cfg.enabled) return [];
    const notes: ChangeNote[] = [];
    try {
      // Marks another process committed (a CLI on PostgreSQL), or a failed pass left.
      notes.push(...(await drain()));
      notes.push(...(await processDue(ctx, now)));
      emit(notes);
      notes.push(...(await slowRules(now)));
    } catch (err) {
      log.error({ err }, 'alert tick failed');
    }
    return notes;
  }

  const enqueue = <T>(fn: () => Promise<T>) => {
    const p = queue.then(fn).catch((err) => log.error({ err }, 'alert evaluation failed'));
    queue = p;
    return p;
  };
  // Batches arrive faster than evaluations finish: one queued drain covers all of them.
  let drainQueued = false;
  const scheduleDrain = () => {
    if (drainQueued) return;
    drainQueued = true;
    void enqueue(() => {
      drainQueued = false;
      return drain();
    });
  };

  /** Evaluate on committed batches and source faults as they happen (no timers). Returns the unsubscribe. */
  function listen(): () => void {
    const mine = [
      deps.events.on('mentions', () => scheduleDrain()),
      deps.events.on('source-fault', (e) => void enqueue(() => onSourceFault(e))),
      deps.events.on('source-ok', (e) => void enqueue(() => onSourceOk(e))),
    ];
    offs.push(...mine);
    return () => {
      for (const off of mine) {
        off();
        const i = offs.indexOf(off);
        if (i >= 0) offs.splice(i, 1);
      }
    };
  }

  return {
    ctx,
    dispatcher,
    evaluate,
    drain,
    listen,
    onSourceFault,
    onSourceOk,
    tick,
    /** Resolves when queued evaluations are done. */
    idle: () => queue.then(() => undefined),
    /** Subscribe to events, schedule digests, run timers and the dispatcher. */
    start() {
      listen();
      // What a previous process committed but did not evaluate (killed, or a CLI) is finished first.
      scheduleDrain();
      deps.scheduler.add({
        name: 'alerts:digest:daily',
        cron: ctx.cfg.digests.daily,
        run: () => runDigests(ctx, 'daily', ctx.clock.now()),
      });
      deps.scheduler.add({
        name: 'alerts:digest:weekly',
        cron: ctx.cfg.digests.weekly,
        run: () => runDigests(ctx, 'weekly', ctx.clock.now()),
      });
      const every = opts.tickMs ?? 5000;
      const loop = () => {
        if (stopped) return;
        timer = setTimeout(() => {
          ticking = enqueue(() => tick()).finally(loop);
        }, every);
        timer.unref?.();
      };
      loop();
      dispatcher.start();
    },
    async stop() {
      stopped = true;
      for (const off of offs.splice(0)) off();
      if (timer) clearTimeout(timer);
      timer = null;
      await ticking;
      await queue;
      await dispatcher.stop();
    },
  };
}

export type AlertEngine = ReturnType<typeof createAlertEngine>;
