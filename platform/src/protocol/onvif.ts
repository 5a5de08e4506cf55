import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import type { DeviceInfo } from './device-info.js';

/**
 * A minimal ONVIF device service (SOAP 1.2): GetDeviceInformation, and a SOAP fault for
 * anything else. The request is untrusted network input: it is size-limited by the caller,
 * must be well-formed, may not carry a DTD (SOAP forbids them, and no DTD means no entity
 * expansion), and entities are not processed.
 */

export const SOAP_ENV = 'http://www.w3.org/2003/05/soap-envelope';
export const ONVIF_DEVICE = 'http://www.onvif.org/ver10/device/wsdl';
export const ONVIF_ERROR = 'http://www.onvif.org/ver10/error';
export const SOAP_CONTENT_TYPE = 'application/soap+xml; charset=utf-8';

export interface SoapResponse {
  readonly status: number;
  readonly body: string;
}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  processEntities: false,
  parseTagValue: false,
  maxNestedTags: 32,
});

// fast-xml-parser 5.12 marks its builder and validator deprecated in favour of the split-out
// packages fast-xml-builder and fast-xml-validator; they are the same code, re-exported. Moving
// needs new direct dependencies, so it waits for a dependency update.
// eslint-disable-next-line @typescript-eslint/no-deprecated
const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false });

function envelope(body: Record<string, unknown>): string {
  return builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    'env:Envelope': { '@_xmlns:env': SOAP_ENV, '@_xmlns:tds': ONVIF_DEVICE, '@_xmlns:ter': ONVIF_ERROR, 'env:Body': body },
  });
}

/** SOAP 1.2 fault; over HTTP a Sender fault is 400 and a Receiver fault 500. */
export function soapFault(code: 'Sender' | 'Receiver', subcode: string, reason: string): SoapResponse {
  return {
    status: code === 'Sender' ? 400 : 500,
    body: envelope({
      'env:Fault': {
        'env:Code': { 'env:Value': `env:${code}`, 'env:Subcode': { 'env:Value': subcode } },
        'env:Reason': { 'env:Text': { '@_xml:lang': 'en', '#text': reason } },
      },
    }),
  };
}

/** The name of the single operation element in the SOAP Body, or a fault. */
function operationOf(xml: string): string | SoapResponse {
  if (/<!DOCTYPE/i.test(xml)) return soapFault('Sender', 'ter:WellFormed', 'a SOAP message must not contain a document type declaration');
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- see the note at `builder`
  if (XMLValidator.validate(xml) !== true) return soapFault('Sender', 'ter:WellFormed', 'the request is not well-formed XML');
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch {
    // The validator accepted it, but the parser's own limits (nesting depth) did not.
    return soapFault('Sender', 'ter:WellFormed', 'the request exceeds the parser limits');
  }
  const envelopeNode = (doc as Record<string, unknown> | undefined)?.Envelope;
  const body = typeof envelopeNode === 'object' && envelopeNode !== null ? (envelopeNode as Record<string, unknown>).Body : undefined;
  const operations = typeof body === 'object' && body !== null ? Object.keys(body) : [];
  const operation = operations.length === 1 ? operations.at(0) : undefined;
  if (operation === undefined) {
    return soapFault('Sender', 'ter:InvalidArgVal', 'the SOAP Body must contain exactly one operation');
  }
  return operation;
}

export function handleDeviceService(xml: string, info: DeviceInfo): SoapResponse {
  const operation = operationOf(xml);
  if (typeof operation !== 'string') return operation;
  if (operation !== 'GetDeviceInformation') {
    return soapFault('Receiver', 'ter:ActionNotSupported', `${operation.slice(0, 64)} is not supported by this device`);
  }
  return {
    status: 200,
    body: envelope({
      'tds:GetDeviceInformationResponse': {
        'tds:Manufacturer': info.manufacturer,
        'tds:Model': info.name,
        'tds:FirmwareVersion': info.firmware,
        'tds:SerialNumber': info.serialNumber ?? '',
        // ONVIF leaves HardwareId free-form: the stable model id and this unit's revision.
        'tds:HardwareId': info.hardwareRevision === null ? info.model : `${info.model}:${info.hardwareRevision}`,
      },
    }),
  };
}
