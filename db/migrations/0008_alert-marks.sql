CREATE TABLE "alert_marks" (
	"id" text PRIMARY KEY NOT NULL,
	"brand_id" text NOT NULL,
	"batch_id" text NOT NULL,
	"mention_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"updated_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text
);
--> statement-breakpoint
ALTER TABLE "alert_marks" ADD CONSTRAINT "alert_marks_brand_id_brands_id_fk" FOREIGN KEY ("brand_id") REFERENCES "public"."brands"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alert_marks_brand_created_idx" ON "alert_marks" USING btree ("brand_id","created_at");