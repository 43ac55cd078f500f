"""The database: connection, dynamic row models, migration, search index, query builder, backups."""
