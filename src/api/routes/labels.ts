import { createRoute, z } from '@hono/zod-openapi';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { LABEL_SCORE, type MentionLabels } from '../../../classifiers/_lib/feedback/labels.ts';
import type { ClassifierOutput, SentimentLabel } from '../../../classifiers/types.ts';
import type { DbOrTx } from '../../../db/client.ts';
import type { HourlyDelta } from '../../../db/repo/mentions.ts';
import {
  authorBrands,
  brandSentimentModels,
  brands,
  mentionBrands,
  mentions,
} from '../../../db/schema/index.ts';
import type { Deps } from '../../deps.ts';
import { stanceSql } from '../../profiles/influence.ts';
import type { Principal } from '../auth.ts';
import { ApiError, errorSchema } from '../errors.ts';
import { actorOf, router } from '../types.ts';
import { findBrand } from './brands.ts';

const sentimentEnum = z.enum(['positive', 'negative', 'neutral']);

/** What `labels` of a mention looks like (also shown by `GET /v1/mentions/{id}`). */
export const labelsSchema = z
  .object({
    sentiment: sentimentEnum.optional().openapi({ description: 'Overall sentiment set by a person' }),
    brandSentiment: z
      .record(z.string(), sentimentEnum)
      .optional()
      .openapi({ description: 'Sentiment toward each brand (brand id → label) set by a person' }),
    topics: z.array(z.string()).optional(),
    note: z.string().optional(),
    by: z
      .string()
      .openapi({ description: 'Audit actor who set the labels last (`key:<id>`)', example: 'key:key_1' }),
    byName: z.string().optional().openapi({ description: 'Name of that API key' }),
    at: z.string().openapi({ description: 'When the labels were last set (ISO 8601)' }),
  })
  .openapi('MentionLabels');

const labelInput = z
  .object({
    sentiment: sentimentEnum.optional(),
    brand: z.string().trim().min(1).max(100).optional().openapi({
      description: 'Brand id or name: the sentiment is toward this brand only (else all brands)',
    }),
    topics: z
      .array(z.string().trim().min(1).max(64))
      .max(20)
      .optional()
      .openapi({ description: 'Topic ids; replace the classified topics ([] clears them)' }),
    note: z.string().max(2000).optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.brand !== undefined && v.sentiment === undefined)
      ctx.addIssue({ code: 'custom', path: ['brand'], message: 'brand needs a sentiment' });
    else if (v.sentiment === undefined && v.topics === undefined && v.note === undefined)
      ctx.addIssue({ code: 'custom', path: ['sentiment'], message: 'give sentiment, topics or note' });
  })
  .openapi('LabelInput');

const labelResult = z
  .object({
    id: z.string(),
    labels: labelsSchema.nullable().openapi({ description: 'null after DELETE' }),
    sentiment: z
      .object({ label: sentimentEnum, score: z.number(), confidence: z.number().nullable() })
      .nullable(),
    brands: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        sentiment: sentimentEnum.nullable(),
        score: z.number().nullable(),
      }),
    ),
    topics: z.array(z.string()),
  })
  .openapi('LabelResult');

const figures = z.object({ accuracy: z.number(), macroF1: z.number() });
const modelRunSchema = z
  .object({
    id: z.string(),
    createdAt: z.string(),
    labels: z.number().int(),
    trainN: z.number().int(),
    holdoutN: z.number().int(),
    baseline: z
      .string()
      .openapi({ description: '`shipped`, or the id of the promoted model it was compared with' }),
    baselineFigures: figures,
    candidateFigures: figures,
    promoted: z.boolean().openapi({ description: 'In use now for this brand' }),
    promotedAt: z.string().nullable(),
  })
  .openapi('BrandModelRun');

const err = (d: string) => ({ content: { 'application/json': { schema: errorSchema } }, description: d });

type Input = z.output<typeof labelInput>;
type MentionRow = typeof mentions.$inferSelect;
interface Link {
  brandId: string;
  name: string;
  label: SentimentLabel | null;
  score: number | null;
}

const HOUR = 3_600_000;
const DAY = 86_400_000;
const floorTo = (d: Date, ms: number) => new Date(Math.floor(d.getTime() / ms) * ms);

/**
 * Keep the rollups a label touches consistent, in the label's transaction: `brand_hourly`
 * sentiment counts and sum, `brand_topic_daily` (topic counts and their negative share), and
 * `author_brands` sentiment counts, sum and stance. Cheap: one row per brand and topic.
 */
async function adjustRollups(
  tx: DbOrTx,
  m: MentionRow,
  before: { links: Link[]; topics: string[] },
  after: { links: Link[]; topics: string[] },
  deps: Deps,
): Promise<void> {
  const hourly: HourlyDelta[] = [];
  const topicDelta = new Map<string, { brandId: string; topic: string; n: number; negative: number }>();
  const count = (brandId: string, topics: string[], label: SentimentLabel | null, sign: 1 | -1) => {
    for (const topic of new Set(topics)) {
      const k = `${brandId}\u0000${topic}`;
      const d = topicDelta.get(k) ?? { brandId, topic, n: 0, negative: 0 };
      d.n += sign;
      if (label === 'negative') d.negative += sign;
      topicDelta.set(k, d);
    }
  };
  for (const [i, a] of after.links.entries()) {
    const b = before.links[i]!;
    count(b.brandId, before.topics, b.label, -1);
    count(a.brandId, after.topics, a.label, 1);
    if (a.label === b.label && a.score === b.score) continue;
    const tally = (l: SentimentLabel | null, s: 1 | -1) => ({
      positive: l === 'positive' ? s : 0,
      negative: l === 'negative' ? s : 0,
      neutral: l === 'neutral' ? s : 0,
    });
    const minus = tally(b.label, -1);
    const plus = tally(a.label, 1);
    const delta = {
      positive: minus.positive + plus.positive,
      negative: minus.negative + plus.negative,
      neutral: minus.neutral + plus.neutral,
      sentimentSum: (a.score ?? 0) - (b.score ?? 0),
    };
    hourly.push({
      brandId: a.brandId,
      hour: floorTo(m.publishedAt, HOUR),
      platform: m.platform,
      lang: m.lang ?? 'und',
      total: 0,
      engagement: 0,
      reach: 0,
      ...delta,
    });
    const gainedScore = b.score === null && a.score !== null ? 1 : 0;
    await tx
      .update(authorBrands)
      .set({
        positive: sql`${authorBrands.positive} + ${delta.positive}`,
        negative: sql`${authorBrands.negative} + ${delta.negative}`,
        neutral: sql`${authorBrands.neutral} + ${delta.neutral}`,
        sentimentSum: sql`${authorBrands.sentimentSum} + ${delta.sentimentSum}`,
        sentimentN: sql`${authorBrands.sentimentN} + ${gainedScore}`,
        ...(a.label === 'negative'
          ? {
              lastNegativeAt: sql`greatest(${authorBrands.lastNegativeAt}, ${m.publishedAt.toISOString()}::timestamptz)`,
            }
          : {}),
      })
      .where(
        and(
          eq(authorBrands.brandId, a.brandId),
          eq(authorBrands.platform, m.platform),
          eq(authorBrands.handle, m.authorHandle),
        ),
      );
    await tx.execute(sql`
      update author_brands ab set stance = ${stanceSql(deps.config.config.profiles.stance)}
      where ab.brand_id = ${a.brandId} and ab.platform = ${m.platform} and ab.handle = ${m.authorHandle}`);
  }
  // Only rows the mention was counted in at ingest exist: update them, never create them.
  for (const h of hourly) {
    await tx.execute(sql`
      update brand_hourly set positive = positive + ${h.positive}, negative = negative + ${h.negative},
        neutral = neutral + ${h.neutral}, sentiment_sum = sentiment_sum + ${h.sentimentSum}
      where brand_id = ${h.brandId} and hour = ${h.hour.toISOString()}::timestamptz
        and platform = ${h.platform} and lang = ${h.lang}`);
  }
  const day = floorTo(m.publishedAt, DAY).toISOString();
  for (const d of [...topicDelta.values()].sort((x, y) =>
    x.brandId + x.topic < y.brandId + y.topic ? -1 : 1,
  )) {
    if (d.n === 0 && d.negative === 0) continue;
    await tx.execute(sql`
      insert into brand_topic_daily as t (brand_id, day, topic, n, negative)
      values (${d.brandId}, ${day}::timestamptz, ${d.topic}, greatest(${d.n}, 0), greatest(${d.negative}, 0))
      on conflict (brand_id, day, topic) do update
        set n = greatest(t.n + ${d.n}, 0), negative = greatest(t.negative + ${d.negative}, 0)`);
  }
}

/** The mention (locked) and its brand links. */
async function loadMention(tx: DbOrTx, id: string): Promise<{ m: MentionRow; links: Link[] }> {
  const rows = await tx.select().from(mentions).where(eq(mentions.id, id)).for('update').limit(1);
  const m = rows[0];
  if (!m) throw new ApiError('NOT_FOUND', `mention ${id} not found`);
  const linkRows = await tx
    .select({
      brandId: mentionBrands.brandId,
      name: brands.name,
      label: mentionBrands.sentimentLabel,
      score: mentionBrands.sentimentScore,
    })
    .from(mentionBrands)
    .innerJoin(brands, eq(brands.id, mentionBrands.brandId))
    .where(eq(mentionBrands.mentionId, id))
    .orderBy(mentionBrands.brandId);
  return { m, links: linkRows.map((l) => ({ ...l, label: l.label ?? null })) };
}

interface MentionSentiment {
  sentimentLabel: SentimentLabel | null;
  sentimentScore: number | null;
  sentimentConfidence: number | null;
}

/**
 * Write a mention's new sentiment, topics and labels, its brand links and the rollups; return
 * the audit before/after and the API result.
 */
async function commitState(
  tx: DbOrTx,
  deps: Deps,
  m: MentionRow,
  links: Link[],
  next: { sentiment: MentionSentiment; links: Link[]; topics: string[]; labels: MentionLabels | null },
) {
  await tx
    .update(mentions)
    .set({
      ...next.sentiment,
      topics: next.topics,
      labels: next.labels as unknown as Record<string, unknown> | null,
      updatedAt: deps.clock.now(),
    })
    .where(eq(mentions.id, m.id));
  for (const a of next.links) {
    const b = links.find((l) => l.brandId === a.brandId)!;
    if (a.label === b.label && a.score === b.score) continue;
    await tx
      .update(mentionBrands)
      .set({ sentimentLabel: a.label, sentimentScore: a.score })
      .where(and(eq(mentionBrands.mentionId, m.id), inArray(mentionBrands.brandId, [a.brandId])));
  }
  await adjustRollups(tx, m, { links, topics: m.topics }, { links: next.links, topics: next.topics }, deps);
  const snapshot = (s: MentionSentiment, ls: Link[], t: string[], l: unknown) => ({
    sentiment: s.sentimentLabel,
    brands: ls.map((x) => ({ id: x.brandId, sentiment: x.label })),
    topics: t,
    labels: l,
  });
  const s = next.sentiment;
  const result = {
    id: m.id,
    labels: next.labels,
    sentiment:
      s.sentimentLabel && s.sentimentScore !== null
        ? { label: s.sentimentLabel, score: s.sentimentScore, confidence: s.sentimentConfidence }
        : null,
    brands: next.links.map((a) => ({ id: a.brandId, name: a.name, sentiment: a.label, score: a.score })),
    topics: next.topics,
  };
  return {
    result,
    entityId: m.id,
    before: snapshot(m, links, m.topics, m.labels ?? null),
    after: snapshot(s, next.links, next.topics, next.labels),
  };
}

/** Apply one label request inside a transaction. */
async function applyLabel(
  tx: DbOrTx,
  deps: Deps,
  id: string,
  input: Input,
  principal: Principal | undefined,
  actor: string,
) {
  const { m, links } = await loadMention(tx, id);
  let targets = links;
  if (input.brand !== undefined) {
    const b = links.find((l) => l.brandId === input.brand || l.name === input.brand);
    if (!b)
      throw new ApiError(
        'BAD_REQUEST',
        `brand: mention ${id} is not linked to brand "${input.brand}"`,
        'brand',
      );
    targets = [b];
  }
  const prev = (m.labels ?? null) as MentionLabels | null;
  const labels: MentionLabels = {
    ...prev,
    by: actor,
    ...(principal ? { byName: principal.name } : {}),
    at: deps.clock.now().toISOString(),
  };
  const sentiment: MentionSentiment = {
    sentimentLabel: m.sentimentLabel,
    sentimentScore: m.sentimentScore,
    sentimentConfidence: m.sentimentConfidence,
  };
  const after = links.map((l) => ({ ...l }));
  if (input.sentiment) {
    const s = input.sentiment;
    if (input.brand === undefined) {
      labels.sentiment = s;
      Object.assign(sentiment, { sentimentLabel: s, sentimentScore: LABEL_SCORE[s], sentimentConfidence: 1 });
    }
    labels.brandSentiment = { ...prev?.brandSentiment };
    for (const t of targets) {
      labels.brandSentiment[t.brandId] = s;
      const a = after.find((x) => x.brandId === t.brandId)!;
      a.label = s;
      a.score = LABEL_SCORE[s];
    }
  }
  const topics = input.topics ? [...new Set(input.topics)] : m.topics;
  if (input.topics) labels.topics = topics;
  if (input.note !== undefined) labels.note = input.note;
  return commitState(tx, deps, m, links, { sentiment, links: after, topics, labels });
}

/**
 * What the classifiers said, from the mention's stored records merged in chain order (a brand
 * model's record right after `sentiment`): what a mention goes back to when its labels go.
 */
function classifiedOutput(records: Record<string, unknown>, chainIds: readonly string[]): ClassifierOutput {
  const order = chainIds.map((k) => k.split('@')[0]!);
  const rank = (key: string) => {
    const id = key.split('@')[0]!;
    const at = order.indexOf(id === 'brand-model' ? 'sentiment' : id);
    return (at < 0 ? order.length : at) + (id === 'brand-model' ? 0.5 : 0);
  };
  const out: ClassifierOutput = {};
  for (const key of Object.keys(records).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1)))
    Object.assign(out, records[key] as ClassifierOutput);
  return out;
}

/** Remove a mention's labels: sentiment, brand sentiment and topics go back to the classifiers'. */
async function removeLabels(tx: DbOrTx, deps: Deps, id: string) {
  const { m, links } = await loadMention(tx, id);
  if (!m.labels) throw new ApiError('NOT_FOUND', `mention ${id} has no labels`);
  const out = classifiedOutput(m.classifications, deps.classifiers.ids);
  const after = links.map((l) => {
    const s = out.brandSentiment?.[l.brandId] ?? out.sentiment;
    return { ...l, label: s?.label ?? null, score: s?.score ?? null };
  });
  return commitState(tx, deps, m, links, {
    sentiment: {
      sentimentLabel: out.sentiment?.label ?? null,
      sentimentScore: out.sentiment?.score ?? null,
      sentimentConfidence: out.sentiment?.confidence ?? null,
    },
    links: after,
    topics: out.topics?.map((t) => t.id) ?? [],
    labels: null,
  });
}

/**
 * `POST /v1/mentions/{id}/label`: a person's correction of sentiment (overall or toward one
 * brand) and topics. It overrides at once (stored fields, brand links, rollups) in one
 * transaction with its audit row, and feeds the per-brand models of `earshot train`.
 */
export function labelRoutes(deps: Deps) {
  const app = router();
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/mentions/{id}/label',
      tags: ['mentions'],
      summary: 'Correct the sentiment or topics of a mention (editor or admin)',
      description:
        'Overrides the classifiers at once: the mention, its per-brand sentiment (the given brand, or every brand when none is given), its topics and the analytics rollups change in one audited transaction. A human label is never overwritten by re-classification; labels are the training data of `earshot train` (per-brand models, promoted only when they beat the current one on held-back labels). Sentiment labels store a score of 1, 0 or -1 with confidence 1.',
      request: {
        params: z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }) }),
        body: { content: { 'application/json': { schema: labelInput } }, required: true },
      },
      responses: {
        200: {
          content: { 'application/json': { schema: labelResult } },
          description: 'The labelled mention',
        },
        400: err('Invalid label (the field is named)'),
        403: err('Viewer keys may not label'),
        404: err('No such mention'),
      },
    }),
    async (c) => {
      const id = c.req.valid('param').id;
      const input = c.req.valid('json');
      const actor = actorOf(c);
      const principal = c.get('principal');
      const result = await deps.mutate(
        { actor, action: 'mention.label', entityType: 'mention', requestId: c.get('requestId') },
        (tx) => applyLabel(tx, deps, id, input, principal, actor),
      );
      return c.json(result, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/mentions/{id}/label',
      tags: ['mentions'],
      summary: "Remove a mention's labels (editor or admin)",
      description:
        "Sentiment, per-brand sentiment and topics go back to the classifiers' stored answers (`classifications`), with the rollups adjusted, in one audited transaction.",
      request: { params: z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }) }) },
      responses: {
        200: {
          content: { 'application/json': { schema: labelResult } },
          description: 'The mention without labels',
        },
        403: err('Viewer keys may not remove labels'),
        404: err('No such mention, or it has no labels'),
      },
    }),
    async (c) => {
      const id = c.req.valid('param').id;
      const result = await deps.mutate(
        {
          actor: actorOf(c),
          action: 'mention.unlabel',
          entityType: 'mention',
          requestId: c.get('requestId'),
        },
        (tx) => removeLabels(tx, deps, id),
      );
      return c.json(result, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/brands/{id}/models',
      tags: ['brands'],
      summary: "Training runs of the brand's sentiment model (earshot train), newest first",
      description:
        'Every run with its held-back figures and those of the model it was compared with; at most one is promoted (in use).',
      request: {
        params: z.object({
          id: z.string().openapi({ param: { name: 'id', in: 'path' }, description: 'Brand id or name' }),
        }),
      },
      responses: {
        200: {
          content: { 'application/json': { schema: z.object({ data: z.array(modelRunSchema) }) } },
          description: 'Training runs',
        },
        404: err('No such brand'),
      },
    }),
    async (c) => {
      const b = await findBrand(deps.db, c.req.valid('param').id);
      const rows = await deps.db
        .select()
        .from(brandSentimentModels)
        .where(eq(brandSentimentModels.brandId, b.id))
        .orderBy(desc(brandSentimentModels.createdAt), desc(brandSentimentModels.id))
        .limit(100);
      const data = rows.map((r) => ({
        id: r.id,
        createdAt: r.createdAt.toISOString(),
        labels: r.labels,
        trainN: r.trainN,
        holdoutN: r.holdoutN,
        baseline: r.baseline,
        baselineFigures: { accuracy: r.baselineAccuracy, macroF1: r.baselineMacroF1 },
        candidateFigures: { accuracy: r.accuracy, macroF1: r.macroF1 },
        promoted: r.promoted,
        promotedAt: r.promotedAt?.toISOString() ?? null,
      }));
      return c.json({ data }, 200);
    },
  );
  return app;
}
