import { z } from 'zod';

/** A Discord id: a snowflake, up to 20 digits today (22 leaves room). */
export const snowflakeSchema = z.string().regex(/^\d{1,22}$/);

/**
 * An attachment of a Discord message. Its URL expires after about a day; reading the message again gives a
 * fresh one, which is how a later reroll of an edit can still hand KIE the picture.
 */
export interface PictureSource {
  channelId: string;
  messageId: string;
  attachmentId: string;
  /** Whose picture it is: the message's author, or for an image the bot delivered, the member who made it. */
  ownerId?: string;
}

export const pictureSourceSchema = z.object({
  channelId: snowflakeSchema,
  messageId: snowflakeSchema,
  attachmentId: snowflakeSchema,
  ownerId: snowflakeSchema.exactOptional(),
});

/** An image another one was made from: its job and a jump link to its message. */
export interface ImageParent {
  jobId: string;
  url: string;
}

export const imageParentSchema = z.object({ jobId: z.string().min(1).max(64), url: z.url() });

/** Where a delivered image's message went: the interaction's reply, a channel message, or a DM. */
export type DeliveryTarget = 'original' | 'channel' | 'dm';
