CREATE TABLE "brand_sentiment_models" (
	"id" text PRIMARY KEY NOT NULL,
	"brand_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"labels" integer NOT NULL,
	"train_n" integer NOT NULL,
	"holdout_n" integer NOT NULL,
	"baseline" text NOT NULL,
	"baseline_accuracy" real NOT NULL,
	"baseline_macro_f1" real NOT NULL,
	"accuracy" real NOT NULL,
	"macro_f1" real NOT NULL,
	"promoted" boolean DEFAULT false NOT NULL,
	"promoted_at" timestamp with time zone,
	"model" jsonb,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "llm_budget" (
	"day" text PRIMARY KEY NOT NULL,
	"input_tokens" bigint DEFAULT 0 NOT NULL,
	"output_tokens" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "llm_cache" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "brand_sentiment_models" ADD CONSTRAINT "brand_sentiment_models_brand_id_brands_id_fk" FOREIGN KEY ("brand_id") REFERENCES "public"."brands"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "brand_sentiment_models_brand_idx" ON "brand_sentiment_models" USING btree ("brand_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "brand_sentiment_models_promoted_uq" ON "brand_sentiment_models" USING btree ("brand_id") WHERE promoted;--> statement-breakpoint
CREATE INDEX "llm_cache_created_idx" ON "llm_cache" USING btree ("created_at");