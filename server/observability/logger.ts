import pino, { type DestinationStream, type Logger } from 'pino';
import { redactString, redactValue } from './redact';

export type { Logger } from 'pino';

/** The service logger: JSON lines, PII redacted from every field and from the message itself. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'baton' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        log: (object) => redactValue(object) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const redacted = args.map((a) => (typeof a === 'string' ? redactString(a) : a)) as Parameters<typeof method>;
          method.apply(this, redacted);
        },
      },
    },
    destination,
  );
}
