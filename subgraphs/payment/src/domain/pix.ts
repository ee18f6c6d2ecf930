// PIX "copia e cola" codes: the EMV BR Code of the Brazilian Central Bank, built field by field
// (ID, two-digit length, value) and sealed with a CRC16-CCITT-FALSE checksum.

/** CRC16-CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR. */
export function crc16(text: string): string {
  let crc = 0xffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

const field = (id: string, value: string): string => {
  if (value.length > 99) throw new Error(`BR Code field ${id} is longer than 99 characters`);
  return `${id}${value.length.toString().padStart(2, '0')}${value}`;
};

/** ISO 4217 numeric codes of the currencies a PIX code may name. */
const NUMERIC_CURRENCY: Record<string, string> = { BRL: '986', USD: '840', EUR: '978' };

/** Letters, digits and spaces only, without accents: what every reader of the code accepts. */
const plain = (text: string, max: number): string =>
  text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z0-9 ]/g, '').trim().slice(0, max);

export interface PixCharge {
  /** The receiver's PIX key (e-mail, phone, CPF/CNPJ or random key). */
  key: string;
  merchantName: string;
  merchantCity: string;
  amountCents: number;
  currency: string;
  /** The transaction id: letters and digits, at most 25. */
  txid: string;
}

export function pixPayload(charge: PixCharge): string {
  const currency = NUMERIC_CURRENCY[charge.currency.toUpperCase()];
  if (!currency) throw new Error(`a PIX code cannot be made in ${charge.currency}`);
  const txid = charge.txid.replace(/[^A-Za-z0-9]/g, '').slice(0, 25) || '***';
  const body = [
    field('00', '01'),
    field('26', field('00', 'br.gov.bcb.pix') + field('01', charge.key)),
    field('52', '0000'),
    field('53', currency),
    field('54', (charge.amountCents / 100).toFixed(2)),
    field('58', 'BR'),
    field('59', plain(charge.merchantName, 25) || 'DESK'),
    field('60', plain(charge.merchantCity, 15) || 'SAO PAULO'),
    field('62', field('05', txid)),
  ].join('');
  const sealed = `${body}6304`;
  return sealed + crc16(sealed);
}

/** True when the code's last four characters are the CRC of everything before them. */
export function pixChecksumValid(payload: string): boolean {
  return payload.length > 8 && payload.slice(-8, -4) === '6304' && crc16(payload.slice(0, -4)) === payload.slice(-4);
}
