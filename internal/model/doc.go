// Package model holds DocuVault's domain types: documents, users, spaces
// and their roles, topics, correspondents and document types, custom
// fields, notes, saved views, share links, mail accounts and rules, cloud
// accounts, sessions and tokens, audit entries, and the words their states
// are stored with.
//
// The store reads and writes them; every other layer passes them around.
// Nothing here touches a database, a file or the network, and the package
// imports nothing of DocuVault's, so any package may use it.
package model
