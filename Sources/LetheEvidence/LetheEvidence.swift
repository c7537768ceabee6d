/// Evidence: canonical records, keys, CMS signatures, the Merkle log, checkpoints and bundles.
public enum LetheEvidence {}
