// Package local is DocuVault's built-in classifier: it runs in process, uses no network and downloads
// no model. Each user gets a Model trained on that user's own labelled documents: TF-IDF features over
// words and word bigrams feed one logistic regression per topic (one-vs-rest), so a document can receive
// several topics. A Model serialises with MarshalBinary so the application can store it per user and
// retrain it in the background. Suggest proposes new topics from the distinctive terms that unassigned
// documents share.
package local
