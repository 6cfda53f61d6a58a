pub struct AuthServer;
