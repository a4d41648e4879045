/** Seeded randomness for decisions: the shared Random port and its generators (app/shared/random.ts). */
export { createSeededRandom, randomInt, type Random } from '../../shared/random';
