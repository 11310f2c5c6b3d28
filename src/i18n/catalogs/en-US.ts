import type { Format } from '../format.js';
import { channel, code, relative, role, shortTime, user } from '../markup.js';

/**
 * Every sentence in American English: the shape every other catalog must have (a missing or extra key
 * fails the typecheck). Composition that is the same in every language (which sentence a code gets,
 * how lines join) lives in src/messages.ts.
 */
export const enUS = (f: Format) => ({
  // Numbers and waits
  ordinal: (n: number) => f.ordinal(n, { one: '#st', two: '#nd', few: '#rd', other: '#th' }),
  anyMomentNow: 'any moment now',
  aboutSeconds: (seconds: number) => `about ${f.number(seconds)} s`,
  aboutMinutes: (minutes: number) => `about ${f.number(minutes)} min`,

  // Status while an image is made
  waitingStatus: (place: string, wait: string | undefined, elapsed: string) =>
    `⏳ Waiting for a free slot: ${place} in line${wait === undefined ? '' : `, ${wait}`} · ${elapsed}`,
  workingStatus: (label: string, elapsed: string) => `🎨 ${label}… · ${elapsed}`,
  stateSubmitting: 'Sending your prompt',
  stateQueued: 'Queued at the image service',
  stateGenerating: 'Generating',
  stateDownloading: 'Fetching the image',
  stateDelivering: 'Uploading the image',
  stateWorking: 'Working on it',
  jobAboutToStart: 'about to start',
  jobWaiting: (place: string, wait: string | undefined) => `waiting for a free slot, ${place} in line${wait === undefined ? '' : `, ${wait}`}`,

  // Input validation
  emptyPrompt: 'Your prompt is empty. Describe the picture you want, for example: `a lighthouse at dusk, oil painting`.',
  promptTooLong: (length: number, max: number) => `Your prompt is ${f.number(length)} characters long; the limit is ${f.number(max)}. Please shorten it.`,
  invalidChoice: (option: string, allowed: readonly string[]) => `${code(option)} must be one of: ${allowed.map(code).join(', ')}.`,
  guildOnly: 'This command works in servers only, not in direct messages.',

  // Guards
  paused: 'Image generation is paused in this server by its admins. Try again later.',
  blocked: 'You are not allowed to generate images in this server. Ask a server admin if you think this is a mistake.',
  bannedWord: (word: string) => `Your prompt contains a word this server does not allow: ${code(word)}. Please rephrase it.`,
  quotaZero: (resetsAt: number) => `Image generation is not available to you in this server (your daily limit is 0). Resets ${relative(resetsAt)}.`,
  quotaOver: (used: number, limit: number, resetsAt: number) =>
    `You have used ${f.plural(used, { one: '# image', other: '# images' })} today, more than your daily limit of ${f.number(limit)} (an admin lowered it). Your quota resets ${relative(resetsAt)} (${shortTime(resetsAt)}).`,
  quotaUsedUp: (used: number, limit: number, resetsAt: number) =>
    `You have used your ${f.plural(limit, { one: '# image', other: '# images' })} for today (${used}/${limit}). Your quota resets ${relative(resetsAt)} (${shortTime(resetsAt)}).`,
  personalQuotaUsedUp: (used: number, limit: number, resetsAt: number) =>
    `You have used your ${f.plural(limit, { one: '# personal image', other: '# personal images' })} for today (${used}/${limit}): outside the servers that installed the bot, images come from your own daily allowance. It resets ${relative(resetsAt)} (${shortTime(resetsAt)}).`,
  personalQuotaToday: (used: number, limit: number) =>
    `**Your personal allowance today:** ${used}/${limit} images used, ${f.number(Math.max(0, limit - used))} left (for using the bot in DMs and in servers that have not installed it).`,
  serverCapReached: (cap: number, resetsAt: number) =>
    `This server has used its ${f.plural(cap, { one: '# image', other: '# images' })} for today (a limit for all members together, set by its admins). It resets ${relative(resetsAt)} (${shortTime(resetsAt)}).`,
  guildNotEnabled: 'The image bot is not enabled in this server. Its operator runs it for other servers only.',
  budgetSpent: (resetsAt: number) =>
    `The bot has made all the images its operator pays for today, across all servers. It resets ${relative(resetsAt)} (${shortTime(resetsAt)}).`,
  notAMember: "You are no longer a member of the server this image was made in, so its buttons don't work for you any more.",
  botNotInServer: "The bot is no longer in the server this image was made in, so its buttons don't work any more.",
  notYourImage: 'Only the member who made this image can use its buttons here.',
  operatorOnly: "KIE's credit balance is shown only in the bot operator's own servers.",
  limitOverCeiling: (ceiling: number) =>
    `The bot's operator allows at most ${f.plural(ceiling, { one: '# image', other: '# images' })} per member per day, so a limit can be at most ${f.number(ceiling)}.`,
  tooManyInProgress: (inProgress: number, max: number) =>
    `You have ${f.plural(inProgress, { one: '# image', other: '# images' })} in progress in this server, the most you can have at once (${f.number(max)}). Wait for one to finish, or cancel one that is still waiting, then try again. Nothing was counted.`,
  notEnoughUnits: (requested: number, available: number, resetsAt: number) =>
    `You asked for ${f.plural(requested, { one: '# image', other: '# images' })} but only ${f.plural(available, { one: '# image is', other: '# images are' })} left today. Ask for ${f.number(available)} or fewer, or wait until the reset ${relative(resetsAt)} (${shortTime(resetsAt)}). Nothing was counted.`,
  tooManyForSet: (requested: number, inProgress: number, max: number) =>
    `You asked for ${f.plural(requested, { one: '# image', other: '# images' })} while ${f.plural(inProgress, { one: '# image is', other: '# images are' })} in progress in this server; you can have at most ${f.number(max)} at once. Ask for fewer, or wait for some to finish. Nothing was counted.`,
  upscaleUnavailable: 'This image is 4K already, the largest the bot makes, so it cannot be upscaled.',
  storeUnavailable: 'The bot cannot reach its database right now, so nothing was done and nothing was counted. Please try again in a minute.',
  commandFailed: 'Something went wrong on our side, sorry. Please try again.',
  restarting: 'The bot is restarting. Please run the command again in a moment.',

  // Rejected admin changes
  wordEmpty: 'The banned word is empty.',
  wordTooLong: (max: number) => `A banned word can be at most ${f.plural(max, { one: '# character', other: '# characters' })} long.`,
  tooManyWords: (max: number) => `This server already has the maximum of ${f.plural(max, { one: '# banned word', other: '# banned words' })}.`,
  invalidLimit: (max: number) => `A daily limit must be a whole number from 0 to ${f.number(max)}.`,
  tooManyChannels: (max: number) => `At most ${f.plural(max, { one: '# channel', other: '# channels' })} can be allowed.`,
  limitUserOrRole: 'Give either a member or a role, not both.',

  // Styles, /settings and /blend
  unknownStyle: (name: string) => `This server has no style called ${code(name)}. Pick one from the list as you type, or leave \`style\` empty.`,
  styledPromptTooLong: (length: number, max: number, style: string) =>
    `Your prompt with the style ${code(style)} added is ${f.number(length)} characters long; the limit is ${f.number(max)}. Shorten your prompt, or pick another style.`,
  styleField: 'Style',
  droppedStyle: (name: string) => `none: your default style ${code(name)} was removed by an admin, so it was left out. Pick another with \`/settings\`.`,
  settingsNone: "You have no defaults in this server: `/imagine` uses 1:1, 2K and one image. Set yours with `/settings aspect: quality: count: style: private:`.",
  settingsShownTitle: '**Your defaults in this server** (options you give `/imagine` still win):',
  settingsSavedTitle: 'Saved. **Your defaults in this server** now:',
  settingsReset: 'Your defaults in this server are cleared: `/imagine` uses 1:1, 2K and one image again.',
  settingsStyleGone: (name: string) => `⚠️ The style ${code(name)} no longer exists in this server, so it is left out until you pick another.`,
  defaultAspect: (aspect: string | undefined) => `• Aspect: ${aspect ?? "1:1 (the bot's default)"}`,
  defaultQuality: (label: string | undefined) => `• Quality: ${label ?? "2K (the bot's default)"}`,
  defaultCount: (count: number | undefined) => `• Images per request: ${count === undefined ? "1 (the bot's default)" : f.number(count)}`,
  defaultStyle: (name: string | undefined) => `• Style: ${name === undefined ? 'none' : code(name)}`,
  defaultPrivate: (on: boolean | undefined) => `• Private results: ${on === undefined ? "no (the bot's default)" : on ? 'yes' : 'no'}`,
  blendField: 'Blend',
  parentField: 'From',
  parentCameFrom: 'the image it came from',
  parentUpscaled: 'the image it upscales',
  parentLink: (index: number) => `image ${f.number(index)}`,
  tooFewPictures: (min: number) => `A blend takes at least ${f.plural(min, { one: '# picture', other: '# pictures' })}.`,
  picturesExpired:
    'The pictures of this blend are no longer available from Discord (their links last about a day), so it cannot be made again. Run `/blend` with them again. Nothing was counted.',
  blendedFrom: (count: number) => `Blended from ${f.plural(count, { one: '# picture', other: '# pictures' })}`,
  styleNameInvalid: (max: number) => `A style's name must be 1 to ${f.number(max)} characters long.`,
  styleTextInvalid: (max: number) => `A style's text must be 1 to ${f.number(max)} characters long.`,
  stylesFull: (max: number) => `This server already has the maximum of ${f.plural(max, { one: '# style', other: '# styles' })}. Remove one first.`,
  styleAdded: (name: string, count: number) =>
    `Added the style ${code(name)} (${f.number(count)} in all). Members can now pick it with \`/imagine style:\` and \`/blend style:\`.`,
  styleReplaced: (name: string) => `The style ${code(name)} has a new text.`,
  styleRemoved: (name: string) => `Removed the style ${code(name)}. Members who had it as their default get their images without it, and are told.`,
  styleUnknown: (name: string) => `There is no style called ${code(name)}.`,
  stylesNone: 'This server has no styles. Add one with `/imagine-admin styles add`.',
  stylesHead: (count: number) => `Styles (${f.number(count)}):`,
  stylesNotShown: (count: number) => `… and ${f.number(count)} more not shown.`,

  // Job failures
  outOfCredits: "The bot's image credits have run out. Please tell a server admin. Your quota was not used.",
  misconfigured: 'The bot is misconfigured and cannot reach its image service. Please tell a server admin. Your quota was not used.',
  serviceBusy: 'The image service is busy right now. Please try again in a minute. Your quota was not used.',
  serviceUnavailable: 'The image service is unavailable right now. Please try again later. Your quota was not used.',
  promptRejected: (detail?: string) => `The image service rejected this request${detail ? `: ${detail}` : ''}. Try a different prompt. Your quota was not used.`,
  generationFailed: (detail?: string) => `The image could not be generated${detail ? `: ${detail}` : ''}. Your quota was not used.`,
  timedOut: (ms: number) => `The image took too long (over ${f.duration(ms)}), so the bot stopped waiting. Please try again. Your quota was not used.`,
  imageUnavailable: 'The image was generated but could not be downloaded. Please try again. Your quota was not used.',
  submitUncertain: 'The image service did not confirm your request, so the bot cannot follow it. Your quota was not used; please try again.',
  interruptedBeforeSubmit:
    'The bot restarted while sending your prompt, so it cannot tell whether the image was started. Your quota was given back; please try again.',
  unexpected: 'Something went wrong on our side. Your quota was not used. Please try again.',

  // Delivery
  resultTitle: 'Your image',
  resultTitleSet: (count: number) => `Your ${f.number(count)} images`,
  fieldAspect: 'Aspect',
  fieldQuality: 'Quality',
  fieldTook: 'Took',
  fieldRequestedBy: 'Requested by',
  fieldOriginal: 'Original',
  resized: (bytesLimit: number) => `Re-encoded to fit this server's ${f.number(Math.floor(bytesLimit / (1024 * 1024)))} MB upload limit.`,
  originalLink: (url: string) => `[Full-size original](${url}) (link expires within 24 h)`,
  lateDelivery: (userId: string) => `${user(userId)}, here is the image you asked for.`,
  lateFailure: (userId: string, reason: string) => `${user(userId)}, ${reason.charAt(0).toLowerCase()}${reason.slice(1)}`,
  rerollLabel: 'Reroll',
  editLabel: 'Edit',
  deleteLabel: 'Delete',
  editImageLabel: (position: number) => `Edit ${f.number(position)}`,
  upscaleLabel: 'Upscale',
  upscaleImageLabel: (position: number) => `Upscale ${f.number(position)}`,
  setImageTitle: (position: number) => `Image ${f.number(position)}`,
  setFailedAll: (count: number, reasons: string) => `None of the ${f.number(count)} images could be made: ${reasons}`,
  setImageFailed: (reason: string) => `One image of this set could not be made: ${reason}`,
  upscaledQuality: (factor: string) => `4K (upscaled ×${factor})`,
  upscaleFooter: (factor: string) => `Topaz upscale ×${factor}`,

  // The image loop: buttons, edits, /history
  buttonUnknown: 'This button no longer works (it belongs to an older version of the bot). Run `/imagine` again.',
  formUnknown: 'This form no longer works (it belongs to an older version of the bot). Run `/imagine` again.',
  imageExpired: (days: number) => `This image is too old for its buttons (the bot keeps images for ${f.plural(days, { one: '# day', other: '# days' })}), or it was deleted. Run \`/imagine\` again.`,
  noImage: 'That message has no picture to edit. Pick a message with a PNG, JPEG or WebP image.',
  notAnImage: (contentType: string | null) =>
    `That file is not a picture the image service can edit${contentType ? ` (${code(contentType)})` : ''}. Use a PNG, JPEG or WebP image.`,
  imageTooLarge: (bytes: number, max: number) => `That picture is ${f.megabytes(bytes)} MB; the image service takes at most ${f.megabytes(max)} MB. Use a smaller one.`,
  wrongChannel: (allowed: readonly string[]) => `Images can be made only in ${allowed.map(channel).join(', ')} in this server. Please use /imagine there.`,
  deleteNotAllowed: 'Only the member who asked for this image, or a member with **Manage Messages**, can delete it.',

  // Cancel, while a job waits for the image service
  cancelLabel: 'Cancel',
  cancelledByMember: '✖️ Cancelled before it started. Your quota unit was given back.',
  cancelledByModerator: '✖️ Cancelled by a moderator before it started. The quota unit was given back.',
  cancelNotAllowed: 'Only the member who asked for this image, or a member with **Manage Messages**, can cancel it.',
  cancelTooLate: 'Too late to cancel: the image service has already started this image, and a started image cannot be stopped.',
  cancelUnknown: 'This image is not waiting any more, so there is nothing to cancel.',
  editModalTitle: 'Edit the image',
  editModalLabel: 'What should change?',
  editModalPlaceholder: 'e.g. make it night time, add snow on the roofs',
  historyTitle: 'Your images in this server',
  historyEmpty: (days: number) => `You have no images in this server yet (the bot keeps them for ${f.plural(days, { one: '# day', other: '# days' })}). Make one with \`/imagine\`.`,
  historyFooter: (from: number, to: number, total: number, days: number) =>
    `${f.number(from)}–${f.number(to)} of ${f.number(total)} · kept for ${f.plural(days, { one: '# day', other: '# days' })}`,
  personalHistoryTitle: 'Your personal images',
  personalHistoryEmpty: (days: number) => `You have no personal images yet (the bot keeps them for ${f.plural(days, { one: '# day', other: '# days' })}). Make one with \`/imagine\`.`,
  historyPrevious: 'Newer',
  historyNext: 'Older',
  historyOpen: 'Open',
  editedFrom: 'Edited from a picture',
  upscaledFrom: (factor: string) => `Upscaled ×${factor}`,

  // Moderation log
  logGenerationTitle: '🖼️ Image generated',
  logBannedWordTitle: (word: string) => `🚫 Refused: banned word ${code(word)}`,
  logBlockedTitle: '🚫 Refused: blocked member',
  logAdminTitle: (action: string) => `🛠️ /imagine-admin ${action}`,
  logWarningTitle: '⚠️ Warning',
  logDeletedTitle: '🗑️ Image deleted',
  logChannelUnreachable: (channelId: string) =>
    `⚠️ The bot could not post to the log channel ${channel(channelId)}: give it **View Channel**, **Send Messages** and **Embed Links** there, or pick another with \`/imagine-admin log\`.`,
  logMember: 'Member',
  logSettings: 'Settings',
  logEditOfPicture: 'edit of a picture',
  logImage: 'Image',
  logJumpToMessage: 'Jump to the message',
  logPictureFrom: 'Picture from',
  logOwnUpload: 'their own upload',
  logUnknownMember: 'unknown member',
  logSourceMessage: 'source message',
  logAdmin: 'Admin',
  logDeletedBy: 'Deleted by',

  // /quota
  quotaToday: (used: number, limit: number) => `**Today:** ${used}/${limit} images used, ${f.number(Math.max(0, limit - used))} left.`,
  quotaYourLimit: (limit: number, rule: string) => `**Your limit:** ${f.plural(limit, { one: '# image', other: '# images' })} a day, ${rule}.`,
  ruleMember: 'set for you by an admin',
  ruleRole: (roleId: string) => `from your role ${role(roleId)}`,
  ruleServer: "this server's limit",
  ruleDefault: "the bot's default limit",
  quotaResets: (resetsAt: number) => `**Resets:** ${relative(resetsAt)} (${shortTime(resetsAt)}).`,
  quotaInProgress: (count: number) => `**In progress:** ${f.plural(count, { one: '# image', other: '# images' })}.`,

  // /imagine-admin
  adminOnly: 'You need the **Manage Server** permission to use this command.',
  limitSet: (limit: number) => `The daily limit for this server is now ${f.plural(limit, { one: '# image', other: '# images' })} per member.`,
  userLimitSet: (userId: string, limit: number) => `${user(userId)} can now generate ${f.plural(limit, { one: '# image', other: '# images' })} a day.`,
  roleLimitSet: (roleId: string, limit: number) =>
    `Members with ${role(roleId)} can now generate ${f.plural(limit, { one: '# image', other: '# images' })} a day (a member's own limit still comes first; with several roles the highest applies).`,
  capSet: (images: number) => `This server can now generate at most ${f.plural(images, { one: '# image', other: '# images' })} a day, all members together.`,
  capRemoved: "This server's daily cap is removed; only each member's own limit applies.",
  logChannelSet: (channelId: string) => `Images, refusals and admin actions are now posted to ${channel(channelId)}.`,
  logOff: (channelId: string) => `Nothing is posted to ${channel(channelId)} any more.`,
  logAlreadyOff: 'There is no log channel.',
  channelAllowed: (channelId: string, all: readonly string[]) => `/imagine now works in ${channel(channelId)}. Allowed channels: ${all.map(channel).join(', ')}.`,
  channelAlreadyAllowed: (channelId: string) => `${channel(channelId)} was already allowed.`,
  channelRemoved: (channelId: string, all: readonly string[]) => `${channel(channelId)} is off the list. Allowed channels: ${all.map(channel).join(', ')}.`,
  channelRemovedLast: (channelId: string) => `${channel(channelId)} is off the list; /imagine works in every channel again.`,
  channelNotAllowed: (channelId: string) => `${channel(channelId)} was not on the list.`,
  channelsList: (all: readonly string[]) => `/imagine works only in: ${all.map(channel).join(', ')}.`,
  channelsEverywhere: '/imagine works in every channel (no list).',
  priorityRoleAdded: (roleId: string, all: readonly string[]) =>
    `Members with ${role(roleId)} now come first when images wait for the image service (fair among themselves). Priority roles: ${all.map(role).join(', ')}.`,
  priorityRoleAlready: (roleId: string) => `${role(roleId)} already had priority.`,
  priorityRolesFull: (max: number) => `At most ${f.plural(max, { one: '# role', other: '# roles' })} can have priority.`,
  priorityRoleRemoved: (roleId: string, all: readonly string[]) => `${role(roleId)} no longer has priority. Priority roles: ${all.map(role).join(', ')}.`,
  priorityRoleRemovedLast: (roleId: string) => `${role(roleId)} no longer has priority; no role has.`,
  priorityRoleNotListed: (roleId: string) => `${role(roleId)} did not have priority.`,
  priorityRolesList: (all: readonly string[]) => `Members with these roles come first: ${all.map(role).join(', ')}.`,
  priorityRolesNone: 'No role has priority: waiting images go in the fair order for everyone.',
  creditsBalance: (credits: number, images: number, perImage: number, dollarsPerImage: number) =>
    `KIE credits left: **${f.number(credits)}**, about **${f.plural(images, { one: '# image', other: '# images' })}** at ${f.number(perImage)} credits each (about ${f.dollars(dollarsPerImage)} an image).`,
  creditsUnavailable: 'The bot could not read the KIE credit balance right now. Please try again in a minute.',
  lowCredits: (credits: number, images: number, threshold: number) =>
    `KIE credits are running low: **${f.number(credits)}** left (about ${f.plural(images, { one: '# image', other: '# images' })}), under the warning level of ${f.number(threshold)}. Top up at https://kie.ai/billing before generation stops.`,
  usageReset: (userId: string) => `Today's usage of ${user(userId)} is back to 0.`,
  userBlocked: (userId: string) => `${user(userId)} can no longer generate images in this server.`,
  userUnblocked: (userId: string) => `${user(userId)} can generate images again.`,
  alreadyBlocked: (userId: string) => `${user(userId)} was already blocked.`,
  notBlocked: (userId: string) => `${user(userId)} was not blocked.`,
  wordAdded: (word: string, count: number) => `Added ${code(word)} to the banned words (${f.number(count)} in all).`,
  wordAlreadyBanned: (word: string) => `${code(word)} was already banned.`,
  wordRemoved: (word: string, count: number) => `Removed ${code(word)} from the banned words (${f.number(count)} left).`,
  wordNotBanned: (word: string) => `${code(word)} is not in the banned words.`,
  wordsNone: 'No banned words in this server.',
  wordsHead: (count: number) => `Banned words (${f.number(count)}): `,
  wordsNotShown: (count: number) => `, … and ${f.number(count)} more not shown.`,
  pausedNow: 'Image generation is now paused in this server. Running jobs will finish.',
  alreadyPaused: 'Image generation was already paused.',
  resumed: 'Image generation is running again in this server.',
  notPaused: 'Image generation was not paused.',

  // /imagine-admin usage
  memberUsageTitle: (userId: string) => `**Usage of ${user(userId)}**`,
  usageToday: (used: number, limit: number) => `Today: ${used}/${limit}`,
  usageLastDays: (days: number, images: number) => `Last ${f.plural(days, { one: 'day', other: '# days' })}: ${f.plural(images, { one: '# image', other: '# images' })}`,
  serverUsageTitle: '**Server usage**',
  serverToday: (today: number, days: number, images: number) =>
    `Today: ${f.plural(today, { one: '# image', other: '# images' })} · last ${f.plural(days, { one: 'day', other: '# days' })}: ${f.plural(images, { one: '# image', other: '# images' })}`,
  spendTitle: (days: number, images: number, credits: string) =>
    `**Spend** (delivered images · KIE credits): last ${f.plural(days, { one: 'day', other: '# days' })} ${f.plural(images, { one: '# image', other: '# images' })} · ${credits}`,
  credits: (amount: number) => f.plural(amount, { one: '# credit', other: '# credits' }),
  topToday: '**Top members today**',
  topDays: (days: number) => `**Top members, last ${f.plural(days, { one: 'day', other: '# days' })}**`,
  nobodyYet: 'nobody yet',
});

export type Catalog = ReturnType<typeof enUS>;
