// GENERATED from manifest.json by scripts/generate-hubspot-project.ts. Do not edit.
/** The config-profile variable holding the backend origin (also in permittedUrls.fetch). */
export const PUBLIC_URL_VARIABLE = "PUBLIC_URL";
/** Backend paths the card and settings page call through hubspot.fetch. */
export const BACKEND_PATHS = {"record":"/hubspot/cards/record","actions":"/hubspot/cards/actions","settings":"/hubspot/settings"} as const;
