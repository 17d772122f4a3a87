DROP INDEX "mentions_sh0_idx";--> statement-breakpoint
DROP INDEX "mentions_sh1_idx";--> statement-breakpoint
DROP INDEX "mentions_sh2_idx";--> statement-breakpoint
DROP INDEX "mentions_sh3_idx";--> statement-breakpoint
CREATE INDEX "mentions_sh0_idx" ON "mentions" USING btree ("sh0") WHERE id = story_id;--> statement-breakpoint
CREATE INDEX "mentions_sh1_idx" ON "mentions" USING btree ("sh1") WHERE id = story_id;--> statement-breakpoint
CREATE INDEX "mentions_sh2_idx" ON "mentions" USING btree ("sh2") WHERE id = story_id;--> statement-breakpoint
CREATE INDEX "mentions_sh3_idx" ON "mentions" USING btree ("sh3") WHERE id = story_id;