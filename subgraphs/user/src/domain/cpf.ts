// Brazilian CPF numbers: the format users type and the check digits that catch their typos.

/** The CPF's 11 digits when `value` is `123.456.789-09` or 11 bare digits with valid check digits; else null. */
export function normalizeCpf(value: string): string | null {
  const trimmed = value.trim();
  if (!/^\d{11}$/.test(trimmed) && !/^\d{3}\.\d{3}\.\d{3}-\d{2}$/.test(trimmed)) return null;
  const digits = trimmed.replace(/\D/g, '');
  // All-equal numbers pass the check-digit arithmetic but were never issued.
  if (/^(\d)\1{10}$/.test(digits)) return null;
  const nums = [...digits].map(Number);
  return checkDigit(nums.slice(0, 9)) === nums[9] && checkDigit(nums.slice(0, 10)) === nums[10] ? digits : null;
}

/** Mod-11 check digit over `digits`, with weights counting down to 2. */
function checkDigit(digits: number[]): number {
  const weightStart = digits.length + 1;
  const sum = digits.reduce((acc, d, i) => acc + d * (weightStart - i), 0);
  const rest = (sum * 10) % 11;
  return rest === 10 ? 0 : rest;
}
