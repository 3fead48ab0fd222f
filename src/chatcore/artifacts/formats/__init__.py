"""File formats artifacts are read in: file types, ZIP archives in and out."""
