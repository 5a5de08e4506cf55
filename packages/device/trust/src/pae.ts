/**
 * DSSE v1 pre-authentication encoding:
 * "DSSEv1" SP len(type) SP type SP len(body) SP body, lengths as ASCII decimal byte counts.
 * Signing PAE rather than the bare body binds the payload type, so a signature over a manifest
 * cannot be replayed as a signature over some other kind of document with the same bytes.
 */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = new TextEncoder().encode(payloadType);
  const head = new TextEncoder().encode(`DSSEv1 ${type.byteLength} ${payloadType} ${payload.byteLength} `);
  const out = new Uint8Array(head.byteLength + payload.byteLength);
  out.set(head);
  out.set(payload, head.byteLength);
  return out;
}
