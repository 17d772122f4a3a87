import type { ChannelDefinition } from '../types.ts';
import { dingtalk } from './dingtalk.ts';
import { email } from './email.ts';
import { feishu } from './feishu.ts';
import { pagerduty } from './pagerduty.ts';
import { slack } from './slack.ts';
import { teams } from './teams.ts';
import { webhook } from './webhook.ts';
import { wecom } from './wecom.ts';

/** Every alert channel; one line per file in this directory. The config grammar is built from it. */
export const channels = [webhook, slack, teams, feishu, dingtalk, wecom, email, pagerduty] as const;

export type ChannelId = (typeof channels)[number]['id'];

const byId: ReadonlyMap<string, ChannelDefinition> = new Map(
  channels.map((c) => [c.id, c as unknown as ChannelDefinition]),
);

/** The channel with this id, or undefined. */
export function channelById(id: string): ChannelDefinition | undefined {
  return byId.get(id);
}
