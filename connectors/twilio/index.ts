/** Twilio: the module the server registers (server/modules.ts), and the API client for a connection (the connections API tests it). */
export { twilioModule } from './twilio.module';
export { twilioApiOf } from './connection';
