CREATE TABLE "author_brands" (
	"platform" text NOT NULL,
	"handle" text NOT NULL,
	"brand_id" text NOT NULL,
	"posts" integer DEFAULT 0 NOT NULL,
	"positive" integer DEFAULT 0 NOT NULL,
	"negative" integer DEFAULT 0 NOT NULL,
	"neutral" integer DEFAULT 0 NOT NULL,
	"sentiment_sum" real DEFAULT 0 NOT NULL,
	"sentiment_n" integer DEFAULT 0 NOT NULL,
	"engagement" bigint DEFAULT 0 NOT NULL,
	"reach" bigint DEFAULT 0 NOT NULL,
	"first_at" timestamp with time zone NOT NULL,
	"last_at" timestamp with time zone NOT NULL,
	"last_negative_at" timestamp with time zone,
	"stance" text DEFAULT 'neutral' NOT NULL,
	"influence" real DEFAULT 0 NOT NULL,
	"followers" integer,
	"tier" text DEFAULT 'nano' NOT NULL,
	CONSTRAINT "author_brands_brand_id_platform_handle_pk" PRIMARY KEY("brand_id","platform","handle")
);
--> statement-breakpoint
CREATE TABLE "author_topics" (
	"platform" text NOT NULL,
	"handle" text NOT NULL,
	"topic" text NOT NULL,
	"n" integer DEFAULT 0 NOT NULL,
	"last_at" timestamp with time zone NOT NULL,
	CONSTRAINT "author_topics_platform_handle_topic_pk" PRIMARY KEY("platform","handle","topic")
);
--> statement-breakpoint
CREATE TABLE "authors" (
	"platform" text NOT NULL,
	"handle" text NOT NULL,
	"name" text,
	"url" text,
	"followers" integer,
	"verified" boolean,
	"posts" integer DEFAULT 0 NOT NULL,
	"engagement" bigint DEFAULT 0 NOT NULL,
	"views" bigint DEFAULT 0 NOT NULL,
	"reach" bigint DEFAULT 0 NOT NULL,
	"spam_sum" real DEFAULT 0 NOT NULL,
	"spam_n" integer DEFAULT 0 NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"activity" real DEFAULT 0 NOT NULL,
	"activity_at" timestamp with time zone NOT NULL,
	"influence" real DEFAULT 0 NOT NULL,
	"tier" text DEFAULT 'nano' NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "authors_platform_handle_pk" PRIMARY KEY("platform","handle")
);
--> statement-breakpoint
CREATE TABLE "brand_geo_daily" (
	"brand_id" text NOT NULL,
	"day" timestamp with time zone NOT NULL,
	"geo" text NOT NULL,
	"n" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "brand_geo_daily_brand_id_day_geo_pk" PRIMARY KEY("brand_id","day","geo")
);
--> statement-breakpoint
CREATE TABLE "brand_top_mentions" (
	"brand_id" text NOT NULL,
	"day" timestamp with time zone NOT NULL,
	"mention_id" text NOT NULL,
	"reach" bigint NOT NULL,
	"engagement" bigint NOT NULL,
	CONSTRAINT "brand_top_mentions_brand_id_day_mention_id_pk" PRIMARY KEY("brand_id","day","mention_id")
);
--> statement-breakpoint
CREATE TABLE "brand_topic_daily" (
	"brand_id" text NOT NULL,
	"day" timestamp with time zone NOT NULL,
	"topic" text NOT NULL,
	"n" integer DEFAULT 0 NOT NULL,
	"negative" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "brand_topic_daily_brand_id_day_topic_pk" PRIMARY KEY("brand_id","day","topic")
);
--> statement-breakpoint
CREATE TABLE "customer_handles" (
	"customer_id" text NOT NULL,
	"platform" text NOT NULL,
	"handle" text NOT NULL,
	CONSTRAINT "customer_handles_platform_handle_customer_id_pk" PRIMARY KEY("platform","handle","customer_id")
);
--> statement-breakpoint
CREATE TABLE "customers" (
	"id" text PRIMARY KEY NOT NULL,
	"crm_id" text NOT NULL,
	"name" text,
	"email" text,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"tags_version" integer DEFAULT 0 NOT NULL,
	"tags_changed_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "customers_crm_id_unique" UNIQUE("crm_id")
);
--> statement-breakpoint
CREATE TABLE "erasures" (
	"key_hash" text PRIMARY KEY NOT NULL,
	"erased_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "platform_stats" (
	"platform" text PRIMARY KEY NOT NULL,
	"n" bigint DEFAULT 0 NOT NULL,
	"n_reach" bigint DEFAULT 0 NOT NULL,
	"reach_sum" double precision DEFAULT 0 NOT NULL,
	"reach_sq" double precision DEFAULT 0 NOT NULL,
	"eng_sum" double precision DEFAULT 0 NOT NULL,
	"eng_sq" double precision DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "customer_handles" ADD CONSTRAINT "customer_handles_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "author_brands_posts_idx" ON "author_brands" USING btree ("brand_id","posts");--> statement-breakpoint
CREATE INDEX "author_brands_influence_idx" ON "author_brands" USING btree ("brand_id","influence");--> statement-breakpoint
CREATE INDEX "author_brands_engagement_idx" ON "author_brands" USING btree ("brand_id","engagement");--> statement-breakpoint
CREATE INDEX "author_brands_author_idx" ON "author_brands" USING btree ("platform","handle");--> statement-breakpoint
CREATE INDEX "author_brands_stance_idx" ON "author_brands" USING btree ("brand_id","stance","influence");--> statement-breakpoint
CREATE INDEX "authors_influence_idx" ON "authors" USING btree ("influence");--> statement-breakpoint
CREATE INDEX "authors_platform_influence_idx" ON "authors" USING btree ("platform","influence");--> statement-breakpoint
CREATE INDEX "brand_top_mentions_mention_idx" ON "brand_top_mentions" USING btree ("mention_id");--> statement-breakpoint
CREATE INDEX "customer_handles_customer_idx" ON "customer_handles" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "customers_tags_idx" ON "customers" USING gin ("tags");