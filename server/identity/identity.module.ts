/**
 * The identity capability: resolves every ingested event to a profile inside the ingest transaction
 * (`identify`), and serves the profile, search, explanation, split, merge, review and erasure API.
 */
import type { ModuleContext, ModuleFactory, ServiceModule } from '../module';
import { IdentityService } from './identity.service';
import { identityRoutes, type ProfileSection } from './identity.routes';

export interface IdentityModuleOptions {
  /** Other capabilities' parts of GET /api/v1/profiles/:id. */
  readonly sections?: readonly ProfileSection[];
}

export function identityModuleWith(options: IdentityModuleOptions = {}): ModuleFactory {
  return (ctx: ModuleContext): ServiceModule => {
    const service = new IdentityService();
    return {
      name: 'identity',
      api: identityRoutes({ db: ctx.db, service, ...(options.sections === undefined ? {} : { sections: options.sections }) }),
      identify: (tx, input) => service.identify(tx, input),
    };
  };
}

export const identityModule: ModuleFactory = identityModuleWith();
