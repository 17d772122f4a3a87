import { z } from 'zod';
import { defineClassifier, type SentimentLabel } from '../../classifiers/types.ts';

/**
 * A predictable classifier for storage and API tests: "awful" → negative (-0.8), "love" →
 * positive (0.7), else neutral; the same sentiment for every matched brand; `#tag` → topic.
 *
 * @example
 * makeDeps({ handle, classifiers: [wordClassifier('fake-api-classifier')] });
 */
export function wordClassifier(id: string) {
  return defineClassifier({
    id,
    version: '1',
    description: 'love → positive, awful → negative; #tag → topic',
    options: z.object({}),
    produces: ['sentiment', 'brandSentiment', 'topics'],
    classify: (_ctx, inputs) =>
      inputs.map((i) => {
        const label: SentimentLabel = /awful/.test(i.text)
          ? 'negative'
          : /love/.test(i.text)
            ? 'positive'
            : 'neutral';
        const s = {
          label,
          score: label === 'negative' ? -0.8 : label === 'positive' ? 0.7 : 0,
          confidence: 0.9,
        };
        return {
          sentiment: s,
          brandSentiment: Object.fromEntries((i.brands ?? []).map((b) => [b.id, s])),
          topics: [...i.text.matchAll(/#(\w+)/g)].map((m) => ({ id: m[1]!, score: 1 })),
        };
      }),
  });
}
