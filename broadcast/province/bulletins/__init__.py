"""The province link of Thông tư 39/2020: bulletins down in three levels, reports up, CAP alerts drafted.

One module per job, so a vendor's field names can be mapped without touching transport or signing:

- `document`: the bulletin and cancellation documents (JSON shape, levels, checks, targets).
- `yamlfile`: a bulletin written by the province officer in YAML, with file:line errors.
- `envelope`: a document signed with the province key (Ed25519 through `province.signing`).
- `registry`: the province's SQLite of signed documents and sequence numbers.
- `server`: the province's HTTP endpoints (long poll `?after=N`, reports) beside the day delivery.
- `sse`: Server-Sent Events, the second transport (`id:` = seq, resumed with Last-Event-ID).
- `inbox`: the commune's SQLite of received bulletins, airings and refusals.
- `actions`: what a commune does with a bulletin by level (air, schedule, wait) and its repeats.
- `airing`: a khẩn cấp bulletin spoken and handed to the daemon's urgent spool.
- `listener`: the commune's thread keeping a request open to the province.
- `reports` / `reportstore` / `dashboard`: what aired, sent up; stored and charted by the province.
- `fetchreport`: the same report sent by `broadcast fetch` (a commune without the daemon).
- `cap`: a CAP 1.2 alert turned into a draft bulletin.
"""
