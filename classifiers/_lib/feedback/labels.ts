import type { ClassifierOutput, Sentiment, SentimentLabel } from '../../types.ts';

/**
 * A community manager's corrections of one mention, stored in `mentions.labels`. They override
 * classifier output: the API writes them into the stored fields at once, and re-classifying a
 * labelled mention keeps them (`withLabels`).
 */
export interface MentionLabels {
  /** Overall sentiment (set when a label names no brand). */
  sentiment?: SentimentLabel;
  /** Sentiment toward each brand, by brand id. */
  brandSentiment?: Record<string, SentimentLabel>;
  /** Topic ids replacing the classifier's topics. */
  topics?: string[];
  note?: string;
  /** Who set the labels last: the audit actor (`key:<id>`) and the key's name. */
  by: string;
  byName?: string;
  /** When (ISO 8601). */
  at: string;
}

/** A human label is certain: score at the label's end of the scale, confidence 1. */
export const LABEL_SCORE: Record<SentimentLabel, number> = { positive: 1, negative: -1, neutral: 0 };

export const labelled = (label: SentimentLabel): Sentiment => ({
  label,
  score: LABEL_SCORE[label],
  confidence: 1,
});

/**
 * Classifier output with a mention's labels laid over it: what a re-classification stores,
 * so a human label is never overwritten by a model.
 *
 * @example
 * withLabels(out, { sentiment: 'positive', by: 'key:k1', at: '2026-11-25T08:00:00Z' }).sentiment?.label // 'positive'
 */
export function withLabels(
  out: ClassifierOutput,
  labels: MentionLabels | null | undefined,
): ClassifierOutput {
  if (!labels) return out;
  const r: ClassifierOutput = { ...out };
  if (labels.sentiment) r.sentiment = labelled(labels.sentiment);
  if (labels.brandSentiment && Object.keys(labels.brandSentiment).length) {
    r.brandSentiment = { ...out.brandSentiment };
    for (const [b, l] of Object.entries(labels.brandSentiment)) r.brandSentiment[b] = labelled(l);
  }
  if (labels.topics) r.topics = labels.topics.map((id) => ({ id, score: 1 }));
  return r;
}
