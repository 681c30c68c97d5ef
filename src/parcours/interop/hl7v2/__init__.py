"""HL7 v2 ADT over MLLP: `parse` (bytes to `AdtMessage`), `ack` (acknowledgements), `ingest`
(store, deduplicate, dispatch), `handlers` (one per trigger event), `domain` (the port to the
patients and transitions actions), `mllp` (the asyncio transport). See docs/interop.md."""
