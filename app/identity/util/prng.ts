/** Seeded randomness for identity: the shared Random port and its generators (app/shared/random.ts). */
export { pick, randomInt, seededRandom, type Random } from '../../shared/random';
