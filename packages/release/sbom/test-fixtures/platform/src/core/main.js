// Fixture platform entry: parses XML with a real npm dependency and calls the product's drivers.
import { XMLParser } from 'fast-xml-parser';
import { drivers } from 'fwkit:drivers';
import { describe } from './util.js';

export function handle(xml) {
  return describe(drivers.name, new XMLParser().parse(xml));
}
