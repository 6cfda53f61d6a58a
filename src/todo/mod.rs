//! Placeholder until the todo service lands (being built on the `todo` branch).
pub struct TodoServer;
impl TodoServer {
    pub async fn build(_: &crate::config::TodoConfig) -> anyhow::Result<TodoServer> {
        anyhow::bail!("the todo service is not built yet; run `belf serve auth`")
    }
    pub fn port(&self) -> u16 {
        0
    }
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        Ok(())
    }
}
