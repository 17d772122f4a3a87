CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"hash" text NOT NULL,
	"prefix" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_hash_unique" UNIQUE("hash")
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" text PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"entity_type" text NOT NULL,
	"entity_id" text,
	"before" jsonb,
	"after" jsonb,
	"request_id" text
);
--> statement-breakpoint
CREATE TABLE "brands" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"query" text NOT NULL,
	"competitors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"origin" text DEFAULT 'api' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "brands_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "mention_brands" (
	"mention_id" text NOT NULL,
	"brand_id" text NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"sentiment_label" text,
	"sentiment_score" real,
	CONSTRAINT "mention_brands_mention_id_brand_id_pk" PRIMARY KEY("mention_id","brand_id")
);
--> statement-breakpoint
CREATE TABLE "mentions" (
	"id" text PRIMARY KEY NOT NULL,
	"platform" text NOT NULL,
	"external_id" text NOT NULL,
	"url" text,
	"author_handle" text NOT NULL,
	"author_name" text,
	"author_followers" integer,
	"author_verified" boolean,
	"author_url" text,
	"text" text NOT NULL,
	"title" text,
	"lang" text,
	"lang_confidence" real,
	"published_at" timestamp with time zone NOT NULL,
	"collected_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"likes" integer,
	"shares" integer,
	"replies" integer,
	"views" integer,
	"parent_id" text,
	"thread_id" text,
	"source_id" text,
	"story_id" text NOT NULL,
	"simhash" text,
	"sh0" integer,
	"sh1" integer,
	"sh2" integer,
	"sh3" integer,
	"sentiment_label" text,
	"sentiment_score" real,
	"sentiment_confidence" real,
	"crisis_score" real,
	"spam_score" real,
	"topics" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"classifications" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"labels" jsonb,
	"raw" jsonb,
	"search_text" text DEFAULT '' NOT NULL,
	"search_tsv" "tsvector" GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED
);
--> statement-breakpoint
CREATE TABLE "metric_snapshots" (
	"mention_id" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"likes" integer,
	"shares" integer,
	"replies" integer,
	"views" integer,
	CONSTRAINT "metric_snapshots_mention_id_at_pk" PRIMARY KEY("mention_id","at")
);
--> statement-breakpoint
CREATE TABLE "cursors" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ingest_batches" (
	"id" text PRIMARY KEY NOT NULL,
	"origin" text NOT NULL,
	"source_id" text,
	"received" integer NOT NULL,
	"stored" integer NOT NULL,
	"duplicates" integer NOT NULL,
	"rejected" integer NOT NULL,
	"committed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "source_health" (
	"source_id" text PRIMARY KEY NOT NULL,
	"state" text DEFAULT 'never-run' NOT NULL,
	"last_run_at" timestamp with time zone,
	"last_success_at" timestamp with time zone,
	"last_error_at" timestamp with time zone,
	"last_error_kind" text,
	"last_error_message" text,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"runs" integer DEFAULT 0 NOT NULL,
	"last_items" integer DEFAULT 0 NOT NULL,
	"avg_items" real DEFAULT 0 NOT NULL,
	"last_mention_at" timestamp with time zone,
	"last_new_at" timestamp with time zone,
	"avg_new_interval_sec" real,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "source_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"source_id" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"status" text NOT NULL,
	"pages" integer DEFAULT 0 NOT NULL,
	"items" integer DEFAULT 0 NOT NULL,
	"stored" integer DEFAULT 0 NOT NULL,
	"duplicates" integer DEFAULT 0 NOT NULL,
	"error_kind" text,
	"error_message" text
);
--> statement-breakpoint
CREATE TABLE "sources" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"options" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"secrets_enc" text,
	"schedule" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"allow_private_network" boolean DEFAULT false NOT NULL,
	"backfill_days" integer DEFAULT 7 NOT NULL,
	"origin" text DEFAULT 'api' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sources_name_unique" UNIQUE("name")
);
--> statement-breakpoint
ALTER TABLE "mention_brands" ADD CONSTRAINT "mention_brands_mention_id_mentions_id_fk" FOREIGN KEY ("mention_id") REFERENCES "public"."mentions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mention_brands" ADD CONSTRAINT "mention_brands_brand_id_brands_id_fk" FOREIGN KEY ("brand_id") REFERENCES "public"."brands"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "metric_snapshots" ADD CONSTRAINT "metric_snapshots_mention_id_mentions_id_fk" FOREIGN KEY ("mention_id") REFERENCES "public"."mentions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "source_health" ADD CONSTRAINT "source_health_source_id_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."sources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "source_runs" ADD CONSTRAINT "source_runs_source_id_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."sources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_entity_idx" ON "audit_log" USING btree ("entity_type","entity_id","at");--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "mention_brands_brand_published_idx" ON "mention_brands" USING btree ("brand_id","published_at","mention_id");--> statement-breakpoint
CREATE UNIQUE INDEX "mentions_platform_external_uq" ON "mentions" USING btree ("platform","external_id");--> statement-breakpoint
CREATE INDEX "mentions_published_idx" ON "mentions" USING btree ("published_at","id");--> statement-breakpoint
CREATE INDEX "mentions_story_idx" ON "mentions" USING btree ("story_id");--> statement-breakpoint
CREATE INDEX "mentions_author_idx" ON "mentions" USING btree ("platform","author_handle");--> statement-breakpoint
CREATE INDEX "mentions_sh0_idx" ON "mentions" USING btree ("sh0");--> statement-breakpoint
CREATE INDEX "mentions_sh1_idx" ON "mentions" USING btree ("sh1");--> statement-breakpoint
CREATE INDEX "mentions_sh2_idx" ON "mentions" USING btree ("sh2");--> statement-breakpoint
CREATE INDEX "mentions_sh3_idx" ON "mentions" USING btree ("sh3");--> statement-breakpoint
CREATE INDEX "mentions_search_idx" ON "mentions" USING gin ("search_tsv");--> statement-breakpoint
CREATE INDEX "ingest_batches_origin_idx" ON "ingest_batches" USING btree ("origin","committed_at");--> statement-breakpoint
CREATE INDEX "source_runs_source_started_idx" ON "source_runs" USING btree ("source_id","started_at");