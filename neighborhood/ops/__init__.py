"""Operations: online backups, restores, and the retention of reporters' personal data."""
