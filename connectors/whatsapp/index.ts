/** WhatsApp Cloud: the module the server registers (server/modules.ts), and the API client for a connection (the connections API tests it). */
export { whatsappModule } from './whatsapp.module';
export { whatsappApiOf } from './connection';
