ALTER TABLE "outbox" ADD COLUMN "seq" bigserial NOT NULL;--> statement-breakpoint
CREATE INDEX "outbox_channel_delivered_idx" ON "outbox" USING btree ("channel","delivered_at");