CREATE TABLE "brand_hourly" (
	"brand_id" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"platform" text NOT NULL,
	"lang" text NOT NULL,
	"total" integer DEFAULT 0 NOT NULL,
	"positive" integer DEFAULT 0 NOT NULL,
	"negative" integer DEFAULT 0 NOT NULL,
	"neutral" integer DEFAULT 0 NOT NULL,
	"sentiment_sum" real DEFAULT 0 NOT NULL,
	"engagement" bigint DEFAULT 0 NOT NULL,
	"reach" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "brand_hourly_brand_id_hour_platform_lang_pk" PRIMARY KEY("brand_id","hour","platform","lang")
);
--> statement-breakpoint
CREATE TABLE "detector_state" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "incident_events" (
	"id" text PRIMARY KEY NOT NULL,
	"incident_id" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"actor" text,
	"data" jsonb
);
--> statement-breakpoint
CREATE TABLE "incident_mentions" (
	"incident_id" text NOT NULL,
	"mention_id" text NOT NULL,
	"added_at" timestamp with time zone NOT NULL,
	CONSTRAINT "incident_mentions_incident_id_mention_id_pk" PRIMARY KEY("incident_id","mention_id")
);
--> statement-breakpoint
CREATE TABLE "incidents" (
	"id" text PRIMARY KEY NOT NULL,
	"brand_id" text,
	"source_id" text,
	"rule" text NOT NULL,
	"group_key" text NOT NULL,
	"title" text NOT NULL,
	"level" integer NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"assignee" text,
	"factors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"counts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"mention_count" integer DEFAULT 0 NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"last_activity_at" timestamp with time zone NOT NULL,
	"acknowledged_at" timestamp with time zone,
	"acknowledged_by" text,
	"resolved_at" timestamp with time zone,
	"reopened_count" integer DEFAULT 0 NOT NULL,
	"policy" text,
	"escalation_step" integer DEFAULT 0 NOT NULL,
	"next_escalation_at" timestamp with time zone,
	"next_reminder_at" timestamp with time zone,
	"last_notified_level" integer
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" text PRIMARY KEY NOT NULL,
	"channel" text NOT NULL,
	"kind" text NOT NULL,
	"incident_id" text,
	"payload" jsonb NOT NULL,
	"idempotency_key" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"locked_until" timestamp with time zone,
	"last_error" text,
	"last_status" integer,
	"created_at" timestamp with time zone NOT NULL,
	"delivered_at" timestamp with time zone,
	"merged_into" text
);
--> statement-breakpoint
CREATE TABLE "silences" (
	"id" text PRIMARY KEY NOT NULL,
	"brand_id" text,
	"rule" text,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"reason" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "incident_events" ADD CONSTRAINT "incident_events_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_mentions" ADD CONSTRAINT "incident_mentions_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "brand_hourly_hour_idx" ON "brand_hourly" USING btree ("hour");--> statement-breakpoint
CREATE INDEX "incident_events_incident_idx" ON "incident_events" USING btree ("incident_id","at");--> statement-breakpoint
CREATE INDEX "incidents_status_idx" ON "incidents" USING btree ("status","last_activity_at");--> statement-breakpoint
CREATE INDEX "incidents_group_idx" ON "incidents" USING btree ("group_key","status");--> statement-breakpoint
CREATE INDEX "incidents_brand_idx" ON "incidents" USING btree ("brand_id","opened_at");--> statement-breakpoint
CREATE INDEX "incidents_escalation_idx" ON "incidents" USING btree ("next_escalation_at");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_idempotency_uq" ON "outbox" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "outbox_due_idx" ON "outbox" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "outbox_channel_idx" ON "outbox" USING btree ("channel","created_at");