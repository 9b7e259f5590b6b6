declare module "multilang-sentiment" {
  interface SentimentResult {
    score: number;
    comparative: number;
    tokens: string[];
    words: string[];
    positive: string[];
    negative: string[];
  }
  function sentiment(
    text: string,
    language?: string,
    options?: { words?: Record<string, number> },
  ): SentimentResult;
  export default sentiment;
}
