// vader-sentiment ships no types; this covers the one call Baton makes.
declare module 'vader-sentiment' {
  export interface PolarityScores {
    readonly neg: number;
    readonly neu: number;
    readonly pos: number;
    /** Normalised composite valence in [-1, 1]. */
    readonly compound: number;
  }
  export const SentimentIntensityAnalyzer: {
    polarity_scores(text: string): PolarityScores;
  };
}
