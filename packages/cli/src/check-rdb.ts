import { checkFile, formatCheckReport } from '@understudy/rdb';

/** understudy check-rdb FILE: prints what the file holds or its first error; 0 when valid. */
export async function checkRdb(args: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  if (args.length !== 1) {
    out.write('Usage: understudy check-rdb <rdb-file>\n');
    return 1;
  }
  const report = await checkFile(args[0]);
  out.write(formatCheckReport(report));
  return report.error === null && report.ioError === null ? 0 : 1;
}
