DROP INDEX "author_brands_posts_idx";--> statement-breakpoint
DROP INDEX "author_brands_influence_idx";--> statement-breakpoint
DROP INDEX "author_brands_engagement_idx";--> statement-breakpoint
CREATE INDEX "author_brands_posts_idx" ON "author_brands" USING btree ("brand_id","posts","platform","handle");--> statement-breakpoint
CREATE INDEX "author_brands_influence_idx" ON "author_brands" USING btree ("brand_id","influence","platform","handle");--> statement-breakpoint
CREATE INDEX "author_brands_engagement_idx" ON "author_brands" USING btree ("brand_id","engagement","platform","handle");