import { XMLParser } from 'fast-xml-parser';

const parser = new XMLParser({ ignoreAttributes: false });

export function handle(request: string): unknown {
  return parser.parse(request);
}
