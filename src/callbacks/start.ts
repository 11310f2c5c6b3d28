import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { startCallbackReceiver, type CallbackReceiver } from './server.js';

/**
 * Starts the KIE callback receiver the configuration asks for (the bot's own or, with shards, the manager's),
 * or nothing without CALLBACK_URL. loadConfig already refuses CALLBACK_URL without WEBHOOK_HMAC_KEY.
 */
export async function startConfiguredCallbackReceiver(config: Config, logger: Logger, wake: (taskId: string) => void): Promise<CallbackReceiver | undefined> {
  if (config.callbackUrl === undefined) return undefined;
  if (config.webhookHmacKey === undefined) throw new Error('WEBHOOK_HMAC_KEY is missing: KIE callbacks must be signed');
  const receiver = await startCallbackReceiver({
    port: config.callbackPort,
    host: config.callbackHost,
    path: new URL(config.callbackUrl).pathname,
    hmacKey: config.webhookHmacKey,
    wake,
    logger,
  });
  logger.info({ host: config.callbackHost, port: receiver.port }, 'KIE callback receiver listening');
  return receiver;
}
