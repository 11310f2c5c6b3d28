/** Interaction callbacks and the interaction webhook (@original, follow-ups), with Discord's deadlines. */
import {
  alreadyAcknowledged,
  DiscordApiError,
  FormErrors,
  invalidFormBody,
  invalidWebhookToken,
  unknownInteraction,
  unknownMessage,
  unknownWebhook,
} from './errors.js';
import { INTERACTION_TYPES, type FakeInteraction, type InteractionKind } from './interactions.js';
import { isRecord } from './json.js';
import { createMessage, editMessage, MessageFlag, MessageType, type CreateContext, type MessageState, type MessageWrite } from './messages.js';
import { messageWrite } from './routes-core.js';
import { param, type Route, type RouteRequest, type RouteResponse } from './router.js';
import type { DiscordState, MessageSlot } from './state.js';
import { checkUploadSize, validateMessageWrite } from './validation.js';

const Callback = {
  Pong: 1,
  ChannelMessageWithSource: 4,
  DeferredChannelMessageWithSource: 5,
  DeferredUpdateMessage: 6,
  UpdateMessage: 7,
  AutocompleteResult: 8,
  Modal: 9,
} as const;

/** The callbacks Discord accepts for each interaction type (6 and 7 also need a message to update). */
const ALLOWED_CALLBACKS: Record<InteractionKind, readonly number[]> = {
  command: [Callback.ChannelMessageWithSource, Callback.DeferredChannelMessageWithSource, Callback.Modal],
  component: [Callback.ChannelMessageWithSource, Callback.DeferredChannelMessageWithSource, Callback.DeferredUpdateMessage, Callback.UpdateMessage, Callback.Modal],
  autocomplete: [Callback.AutocompleteResult],
  modal: [Callback.ChannelMessageWithSource, Callback.DeferredChannelMessageWithSource, Callback.DeferredUpdateMessage, Callback.UpdateMessage],
};

function isOriginal(messageId: string): boolean {
  return messageId === '@original';
}

/**
 * What Discord checks of autocomplete choices beyond the published schema: `choices` is required, and a string
 * choice's value is at most 100 characters (the schema's 6000 is the command option's limit).
 */
function checkAutocompleteChoices(data: Record<string, unknown>): void {
  const errors = new FormErrors();
  const choices = data['choices'];
  if (!Array.isArray(choices)) errors.add(['data', 'choices'], 'BASE_TYPE_REQUIRED', 'This field is required');
  else {
    choices.forEach((choice: unknown, index) => {
      const value = isRecord(choice) ? choice['value'] : undefined;
      if (typeof value === 'string' && [...value].length > 100) errors.add(['data', 'choices', index, 'value'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    });
  }
  errors.throwIfAny();
}

export function interactionRoutes(state: DiscordState): Route[] {
  const { config, ids } = state;

  const interactionMetadata = (interaction: FakeInteraction) => ({
    id: interaction.id,
    type: INTERACTION_TYPES[interaction.kind],
    user: state.userJson(interaction.user.id),
    authorizing_integration_owners:
      interaction.guildId === undefined || state.guilds.get(interaction.guildId)?.botInstalled === false
        ? { '1': interaction.user.id }
        : { '0': interaction.guildId },
    ...(interaction.kind === 'command' ? { name: interaction.commandName, command_type: interaction.commandType ?? 1 } : {}),
    ...(interaction.kind === 'component' && interaction.sourceMessageId !== undefined ? { interacted_message_id: interaction.sourceMessageId } : {}),
  });

  /** A response to a component is a reply to the component's message; one to a command is the command's own message. */
  const responseShape = (interaction: FakeInteraction): Pick<CreateContext, 'type' | 'messageReference'> => {
    if (interaction.kind === 'command') return { type: interaction.commandType === 3 ? MessageType.ContextMenuCommand : MessageType.ChatInputCommand };
    if (interaction.sourceMessageId === undefined) return { type: MessageType.Default };
    const guildId = interaction.guildId;
    return {
      type: MessageType.Reply,
      messageReference: { type: 0, message_id: interaction.sourceMessageId, channel_id: interaction.channelId, ...(guildId === undefined ? {} : { guild_id: guildId }) },
    };
  };

  const newResponseMessage = (interaction: FakeInteraction, write: MessageWrite, loading: boolean): MessageState =>
    state.track(createMessage(write, {
      id: ids.next(),
      channelId: interaction.channelId,
      ...responseShape(interaction),
      at: config.now(),
      createdAt: new Date(),
      newAttachmentId: () => ids.next(),
      allowEphemeral: true,
      loading,
      webhookId: config.applicationId,
      interactionMetadata: interactionMetadata(interaction),
    }));

  /** The message a component was on, where it lives now. */
  const sourceSlot = (interaction: FakeInteraction): MessageSlot => {
    const slot = interaction.sourceMessageId === undefined ? undefined : state.locateMessage(interaction.sourceMessageId);
    if (!slot) throw unknownMessage();
    return slot;
  };

  const editContext = () => ({ at: config.now(), editedAt: new Date(), newAttachmentId: () => ids.next() });

  const validated = (write: MessageWrite, prefix: string[] = []): MessageWrite => {
    const errors = new FormErrors();
    validateMessageWrite(write, errors);
    errors.throwIfAny(prefix);
    return write;
  };

  const invalidCallbackType = (type: unknown): DiscordApiError =>
    invalidFormBody({
      type: {
        _errors: [
          { code: 'INTERACTION_CALLBACK_TYPE_INVALID', message: `Interaction callback type ${String(type)} is not valid for this interaction` },
        ],
      },
    });

  const acknowledge = (interaction: FakeInteraction, req: RouteRequest): RouteResponse => {
    const body = isRecord(req.body.json) ? req.body.json : {};
    const type = body['type'];
    const data = isRecord(body['data']) ? body['data'] : {};
    const write: MessageWrite = { body: data, files: req.body.files };
    if (!ALLOWED_CALLBACKS[interaction.kind].includes(type as number) || ((type === Callback.DeferredUpdateMessage || type === Callback.UpdateMessage) && interaction.sourceMessageId === undefined)) {
      throw invalidCallbackType(type);
    }
    switch (type) {
      case Callback.ChannelMessageWithSource: {
        checkUploadSize(write.files, interaction.attachmentSizeLimit);
        validated(write, ['data']);
        interaction.setOriginal(newResponseMessage(interaction, write, false), false);
        break;
      }
      case Callback.DeferredChannelMessageWithSource: {
        // A deferral takes EPHEMERAL only: a Components V2 message is made by editing the original afterwards.
        if (typeof data['flags'] === 'number' && (data['flags'] & MessageFlag.IsComponentsV2) !== 0) {
          const errors = new FormErrors();
          errors.add(['flags'], 'INTERACTION_RESPONSE_INVALID_FLAGS', 'Only the EPHEMERAL flag can be set on a deferred response');
          errors.throwIfAny(['data']);
        }
        const flags = typeof data['flags'] === 'number' ? data['flags'] & MessageFlag.Ephemeral : 0;
        interaction.setOriginal(newResponseMessage(interaction, { body: { flags }, files: [] }, true), false);
        break;
      }
      case Callback.DeferredUpdateMessage:
        sourceSlot(interaction);
        break;
      case Callback.UpdateMessage: {
        const slot = sourceSlot(interaction);
        checkUploadSize(write.files, interaction.attachmentSizeLimit);
        slot.replace(editMessage(slot.message, validated(write, ['data']), editContext()));
        break;
      }
      case Callback.AutocompleteResult:
        // The body's shape (at most 25 choices, names of 1–100 characters) is held to the OpenAPI schema before this.
        checkAutocompleteChoices(data);
        break;
      case Callback.Modal: {
        const errors = new FormErrors();
        for (const key of ['custom_id', 'title', 'components'] as const) {
          if (data[key] === undefined) errors.add(['data', key], 'BASE_TYPE_REQUIRED', 'This field is required');
        }
        errors.throwIfAny();
        break;
      }
    }
    interaction.acknowledgedWith = type as number;
    if (req.query['with_response'] !== 'true') return { status: 204 };
    const original = interaction.originalState;
    return {
      status: 200,
      body: {
        interaction: {
          id: interaction.id,
          type: INTERACTION_TYPES[interaction.kind],
          ...(original
            ? {
                response_message_id: original.id,
                response_message_loading: (original.flags & MessageFlag.Loading) !== 0,
                response_message_ephemeral: (original.flags & MessageFlag.Ephemeral) !== 0,
              }
            : {}),
        },
        resource: { type, ...(original ? { message: state.messageJson(original) } : {}) },
      },
    };
  };

  const callback = (req: RouteRequest): RouteResponse => {
    const interaction = state.interactionsById.get(param(req, 0));
    if (!interaction || interaction.token !== param(req, 1)) throw unknownInteraction();
    const at = config.now();
    const body = isRecord(req.body.json) ? req.body.json : {};
    const attempt = {
      type: typeof body['type'] === 'number' ? body['type'] : -1,
      data: body['data'],
      at,
      latencyMs: at - interaction.dispatchedAt,
      files: req.body.files,
    };
    try {
      if (at - interaction.dispatchedAt > config.ackDeadlineMs) throw unknownInteraction();
      if (interaction.acknowledgedWith !== undefined) throw alreadyAcknowledged();
      const response = acknowledge(interaction, req);
      interaction.recordCallback({ ...attempt, status: response.status });
      return response;
    } catch (error) {
      interaction.recordCallback({ ...attempt, status: error instanceof DiscordApiError ? error.status : 500 });
      throw error;
    }
  };

  /** The interaction behind a webhook token, if it may still be used (an autocomplete has no messages to edit or follow). */
  const webhookInteraction = (req: RouteRequest): FakeInteraction => {
    const interaction = state.interactionsByToken.get(param(req, 1));
    if (!interaction || interaction.applicationId !== param(req, 0) || interaction.kind === 'autocomplete') throw unknownWebhook();
    if (config.now() - interaction.dispatchedAt > config.tokenLifetimeMs) throw invalidWebhookToken();
    return interaction;
  };

  const targetMessage = (interaction: FakeInteraction, messageId: string): MessageState => {
    // After a deferred or immediate update, a component's @original is the message the component is on.
    if (interaction.updatesSourceMessage() && (isOriginal(messageId) || messageId === interaction.sourceMessageId)) return sourceSlot(interaction).message;
    const original = interaction.originalState;
    if (isOriginal(messageId) || messageId === original?.id) {
      if (!original) throw unknownMessage();
      return original;
    }
    const followup = interaction.followupStates.find((m) => m.id === messageId);
    if (!followup) throw unknownMessage();
    return followup;
  };

  const store = (interaction: FakeInteraction, message: MessageState): void => {
    if (message.id === interaction.sourceMessageId) sourceSlot(interaction).replace(message);
    else if (message.id === interaction.originalState?.id) interaction.setOriginal(message, true);
    else interaction.replaceFollowup(message);
  };

  const editWebhookMessage = (req: RouteRequest): RouteResponse => {
    const interaction = webhookInteraction(req);
    const existing = targetMessage(interaction, param(req, 2));
    checkUploadSize(req.body.files, interaction.attachmentSizeLimit);
    const write = validated(messageWrite(req));
    const edited = state.track(editMessage(existing, write, editContext()));
    store(interaction, edited);
    return { status: 200, body: state.messageJson(edited) };
  };

  const postFollowup = (req: RouteRequest): RouteResponse => {
    const interaction = webhookInteraction(req);
    // Follow-ups exist only after the initial response; before it (@original gives 10008) they are Unknown Webhook.
    if (interaction.acknowledgedWith === undefined) throw unknownWebhook();
    checkUploadSize(req.body.files, interaction.attachmentSizeLimit);
    const write = validated(messageWrite(req));
    const original = interaction.originalState;
    let message: MessageState;
    if (original && (original.flags & MessageFlag.Loading) !== 0) {
      // The first follow-up after a deferral replaces the "thinking" message (keeping its ephemeral flag).
      message = state.track(editMessage(original, write, editContext()));
      interaction.setOriginal(message, false);
      interaction.addFollowup(message);
    } else {
      message = newResponseMessage(interaction, write, false);
      interaction.addFollowup(message);
    }
    return req.query['wait'] === 'true' ? { status: 200, body: state.messageJson(message) } : { status: 204 };
  };

  return [
    { method: 'POST', pattern: '/interactions/:id/:token/callback', auth: false, handle: callback },
    { method: 'POST', pattern: '/webhooks/:app/:token', auth: false, handle: postFollowup },
    {
      method: 'GET',
      pattern: '/webhooks/:app/:token/messages/:message',
      auth: false,
      handle: (req) => {
        const interaction = webhookInteraction(req);
        return { status: 200, body: state.messageJson(targetMessage(interaction, param(req, 2))) };
      },
    },
    { method: 'PATCH', pattern: '/webhooks/:app/:token/messages/:message', auth: false, handle: editWebhookMessage },
    {
      method: 'DELETE',
      pattern: '/webhooks/:app/:token/messages/:message',
      auth: false,
      handle: (req) => {
        const interaction = webhookInteraction(req);
        const message = targetMessage(interaction, param(req, 2));
        if (message.id === interaction.sourceMessageId) sourceSlot(interaction).remove();
        else if (message.id === interaction.originalState?.id) interaction.setOriginal(undefined, false);
        else interaction.removeFollowup(message.id);
        return { status: 204 };
      },
    },
  ];
}
