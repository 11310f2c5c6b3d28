/** A member's day of images: how many they used, their limit, and when the day resets (ms). */
export interface QuotaView {
  used: number;
  limit: number;
  resetsAt: number;
}

/** Why the settings store refused an admin's change. */
export type SettingsErrorCode = 'word-empty' | 'word-too-long' | 'too-many-words' | 'invalid-limit' | 'over-ceiling' | 'too-many-channels' | 'style-name-invalid' | 'style-text-invalid' | 'too-many-styles';

/** Why an admin's change was refused: the store's code and the bound it broke, or both a member and a role given. */
export type SettingProblem = { code: SettingsErrorCode; bound: number } | { code: 'user-and-role' };

/**
 * Why the bot said no. Each code is rendered by `messages.refusal`; a refusal is the member's (or admin's)
 * to act on, never a bug.
 */
export type RefusalReason =
  | { code: 'guild_only' }
  | { code: 'restarting' }
  | { code: 'paused' }
  | { code: 'blocked' }
  | { code: 'banned_word'; word: string }
  | { code: 'quota_exceeded'; quota: QuotaView }
  /** The member's personal allowance (PERSONAL_DAILY, used through their own install) is spent for today. */
  | { code: 'personal_quota_exceeded'; quota: QuotaView }
  /** The server's daily cap on images (all members together) is used up. */
  | { code: 'server_cap_reached'; cap: number; resetsAt: number }
  | { code: 'empty_prompt' }
  | { code: 'prompt_too_long'; length: number; max: number }
  | { code: 'invalid_choice'; option: string; allowed: readonly string[] }
  | { code: 'admin_only' }
  | { code: 'invalid_setting'; problem: SettingProblem }
  /** A button or modal whose image is no longer in the history (older than its retention, or deleted). */
  | { code: 'image_expired' }
  /** A button or form whose custom_id this version does not know (an older version's message, or not ours). */
  | { code: 'component_unknown'; component: 'button' | 'form' }
  | { code: 'no_image' }
  | { code: 'not_an_image'; contentType: string | null }
  | { code: 'image_too_large'; bytes: number; max: number }
  | { code: 'delete_not_allowed' }
  | { code: 'wrong_channel'; allowed: readonly string[] }
  /** The operator's ALLOWED_GUILDS does not list the server (the interaction's, or a DM press's image's). */
  | { code: 'guild_not_enabled' }
  /** The operator's DAILY_IMAGE_BUDGET (all servers together) is used up for the day. */
  | { code: 'budget_spent'; resetsAt: number }
  /** A press in a DM by someone who is no longer a member of the image's server. */
  | { code: 'not_a_member' }
  /** A press in a DM on an image from a server the bot is no longer in. */
  | { code: 'bot_not_in_server' }
  /** A press in a DM on someone else's image. */
  | { code: 'not_your_image' }
  /** An operator-only admin command in a server that is not one of the operator's (OPERATOR_GUILDS). */
  | { code: 'operator_only' }
  /** The member has MAX_ACTIVE_PER_MEMBER images in progress in this server already. */
  | { code: 'too_many_in_progress'; inProgress: number; max: number; requested?: number }
  /** Cancel pressed by someone who is neither the job's member nor a moderator. */
  | { code: 'cancel_not_allowed' }
  /** Cancel pressed after the job's createTask left: KIE bills a started task and cannot stop it. */
  | { code: 'cancel_too_late' }
  /** Cancel pressed for a job this process does not run (ended, or another bot process's). */
  | { code: 'cancel_unknown' }
  /** /blend with fewer pictures than it takes (a tampered client: Discord requires the first two). */
  | { code: 'too_few_pictures'; min: number }
  /** A reroll of a blend whose pictures' links have expired and that cannot be read again. */
  | { code: 'pictures_expired' }
  /** A style the server does not have (/imagine style:, /blend style:, /settings style:). */
  | { code: 'unknown_style'; name: string }
  /** The prompt followed by the style's text is over KIE's limit. */
  | { code: 'styled_prompt_too_long'; length: number; max: number; style: string }
  /** /imagine count:N (or a Reroll of a set) with fewer than N units left under the member's, the server's or the bot's limit. */
  | { code: 'not_enough_units'; requested: number; available: number; resetsAt: number }
  /** Upscale pressed on an image that is 4K already (an upscale, or a 4K generation). */
  | { code: 'upscale_unavailable' };

/**
 * Thrown by a handler to refuse an interaction. The interaction error policy (src/bot.ts) answers it
 * privately with its sentence; anything else that reaches the policy is logged as a bug.
 */
export class Refusal extends Error {
  override readonly name = 'Refusal';
  constructor(
    readonly reason: RefusalReason,
    options?: { cause?: unknown },
  ) {
    super(`refused: ${reason.code}`, options);
  }
}

/** Why a job ended without an image. Each code is rendered by `messages.failure`; the quota unit always goes back. */
export type FailureReason =
  | { code: 'out_of_credits' }
  | { code: 'misconfigured' }
  | { code: 'service_busy' }
  | { code: 'service_unavailable' }
  /** KIE refused the input; `detail` is KIE's own words, made plain and short. */
  | { code: 'prompt_rejected'; detail?: string }
  | { code: 'generation_failed'; detail?: string }
  | { code: 'timed_out'; afterMs: number }
  | { code: 'image_unavailable' }
  /** createTask may have reached KIE but did not answer: the job cannot be followed. */
  | { code: 'submit_uncertain' }
  /** The process stopped while createTask was in flight (found at the next start). */
  | { code: 'interrupted_before_submit' }
  | { code: 'unexpected' };
