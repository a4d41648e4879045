/**
 * The identity capability: resolves every ingested event to a profile inside the ingest transaction
 * (`identify`), and serves the profile, search, explanation, split, merge, review and erasure API.
 */
import { LOADED_MODULES, type ModuleContext, type ModuleFactory, type ServiceModule } from '../module';
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
  return (ctx: ModuleContext): ServiceModule => {
    const service = new IdentityService();
    // Shared by reference with the routes, so sections added after construction are served.
    const sections: ProfileSection[] = [...(options.sections ?? [])];
    ctx.services.provide(PROFILE_SECTIONS, {
      add(section) {
        if (sections.some((s) => s.name === section.name)) throw new Error(`profile section "${section.name}" is already added`);
        sections.push(section);
      },
    });
    ctx.services.provide(IDENTITY_SERVICE, service);
    return {
      name: 'identity',
      api: identityRoutes({ db: ctx.db, service, sections, modules: () => ctx.services.get(LOADED_MODULES) ?? [] }),
      identify: (tx, input) => service.identify(tx, input),
    };
  };
}

export const identityModule: ModuleFactory = identityModuleWith();
