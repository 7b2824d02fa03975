export interface FilePart {
  name: string;
  filename: string | undefined;
  contentType: string | undefined;
  data: Buffer;
}

/** Just enough multipart/form-data for the fakes to see what a client sent: text fields and files. */
export function parseMultipart(
  raw: Buffer,
  contentType: string,
): { fields: Record<string, string>; files: FilePart[] } {
  const fields: Record<string, string> = {};
  const files: FilePart[] = [];
  const match = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) return { fields, files };
  const delimiter = Buffer.from(`--${boundary}`);
  let start = raw.indexOf(delimiter);
  while (start !== -1) {
    const next = raw.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    const part = raw.subarray(start + delimiter.length + 2, next - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const data = part.subarray(headerEnd + 4);
    const name = /[^e]name="?([^";\r\n]*)"?/.exec(headers)?.[1] ?? '';
    const filename = /filename="?([^";\r\n]*)"?/.exec(headers)?.[1];
    const type = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1];
    // A part is a file when it names one or declares its own content type.
    if (filename !== undefined || type !== undefined)
      files.push({ name, filename, contentType: type, data: Buffer.from(data) });
    else fields[name] = data.toString('utf8');
    start = next;
  }
  return { fields, files };
}
