/**
 * The identity capability: resolves every ingested event to a profile inside the ingest transaction
 * (`identify`), and serves the profile, search, explanation, split, merge, review and erasure API.
 */
import { defineModule, provide, type ModuleFactory } from '../module';
import { serviceKey } from '../services';
import { IdentityService } from './identity.service';
import { identityRoutes, type ProfileSection } from './identity.routes';

/** Later modules add their parts of GET /api/v1/profiles/:id (stage, hotness, signals, runs, decision). */
export interface ProfileSections {
  add(section: ProfileSection): void;
}
export const PROFILE_SECTIONS = serviceKey<ProfileSections>('identity.profileSections');
/** The identity service (resolver per tenant, identify), for connectors mapping CRM records to profiles. */
export const IDENTITY_SERVICE = serviceKey<IdentityService>('identity.service');

export interface IdentityModuleOptions {
  /** Other capabilities' parts of GET /api/v1/profiles/:id. */
  readonly sections?: readonly ProfileSection[];
}

export function identityModuleWith(options: IdentityModuleOptions = {}): ModuleFactory {
  return defineModule({
    name: 'identity',
    provides: [PROFILE_SECTIONS, IDENTITY_SERVICE],
    build(ctx) {
      const service = new IdentityService(undefined, ctx.clock);
      // Shared by reference with the routes, so sections added after construction are served.
      const sections: ProfileSection[] = [...(options.sections ?? [])];
      const profileSections: ProfileSections = {
        add(section) {
          if (sections.some((s) => s.name === section.name)) throw new Error(`profile section "${section.name}" is already added`);
          sections.push(section);
        },
      };
      return {
        module: {
          name: 'identity',
          // Erasure reaches every loaded module, most of them built after identity: late-bound (ctx.loadedModules).
          api: identityRoutes({ db: ctx.db, service, sections, modules: ctx.loadedModules, clock: ctx.clock }),
          identify: (tx, input) => service.identify(tx, input),
          identifyMany: (tx, input) => service.linkMany(tx, input.tenantId, input.events),
        },
        provided: [provide(PROFILE_SECTIONS, profileSections), provide(IDENTITY_SERVICE, service)],
      };
    },
  });
}

export const identityModule: ModuleFactory = identityModuleWith();
