// See package.json: nothing in this project loads sqlite3; the bot uses Node's built-in node:sqlite.
throw new Error('sqlite3 is not installed in this project: the bot uses node:sqlite');
